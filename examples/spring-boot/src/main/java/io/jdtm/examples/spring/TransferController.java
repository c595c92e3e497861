package io.jdtm.examples.spring;

import java.util.List;
import java.util.Map;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Try it by hand: {@code curl -X POST 'localhost:8081/api/transfer/saga?amount=30'} (or {@code tcc}). */
@RestController
@RequestMapping("/api/transfer")
public class TransferController {

    private final Transfers transfers;
    private final Bank bank;
    private final BankSchema schema;

    TransferController(Transfers transfers, Bank bank, BankSchema schema) {
        this.transfers = transfers;
        this.bank = bank;
        this.schema = schema;
    }

    /** {@code mode} saga or tcc; {@code transInFails=true} makes TransIn refuse, to see the rollback. */
    @PostMapping("/{mode}")
    public Map<String, Object> transfer(@PathVariable("mode") String mode, @RequestParam("amount") int amount,
            @RequestParam(name = "transInFails", defaultValue = "false") boolean transInFails) {
        Transfers.Outcome o = switch (mode) {
            case "saga" -> transfers.saga(amount, transInFails);
            case "tcc" -> transfers.tcc(amount, transInFails);
            default -> throw new IllegalArgumentException("mode must be saga or tcc, was '" + mode + "'");
        };
        return Map.of("gid", o.gid(), "committed", o.committed(), "reason", o.reason(), "balances", bank.balances());
    }

    @GetMapping("/balances")
    public List<Integer> balances() {
        return bank.balances();
    }

    /** Both users back to 100. */
    @PostMapping("/reset")
    public List<Integer> reset() {
        schema.reset();
        return bank.balances();
    }
}
