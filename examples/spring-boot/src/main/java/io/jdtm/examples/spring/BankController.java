package io.jdtm.examples.spring;

import io.jdtm.spring.BranchContext;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The bank's branch endpoints the TM calls ({@code POST /api/busi/TransOut?gid=…&trans_type=saga&branch_id=01&op=action}).
 * The {@link BranchContext} comes from DTM's query parameters; returning answers SUCCESS, a
 * {@code DtmFailureException} from the bank answers 409 FAILURE — both done by the starter.
 */
@RestController
@RequestMapping("/api/busi")
public class BankController {

    private final Bank bank;

    BankController(Bank bank) {
        this.bank = bank;
    }

    @PostMapping("/TransOut")
    public void transOut(BranchContext branch, @RequestBody Transfer t) {
        bank.transOut(branch, t);
    }

    @PostMapping("/TransOutCompensate")
    public void transOutCompensate(BranchContext branch, @RequestBody Transfer t) {
        bank.transOutCompensate(branch, t);
    }

    @PostMapping("/TransIn")
    public void transIn(BranchContext branch, @RequestBody Transfer t) {
        bank.transIn(branch, t);
    }

    @PostMapping("/TransInCompensate")
    public void transInCompensate(BranchContext branch, @RequestBody Transfer t) {
        bank.transInCompensate(branch, t);
    }

    @PostMapping("/TransOutTry")
    public void transOutTry(BranchContext branch, @RequestBody Transfer t) {
        bank.transOutTry(branch, t);
    }

    @PostMapping("/TransOutConfirm")
    public void transOutConfirm(BranchContext branch, @RequestBody Transfer t) {
        bank.transOutConfirm(branch, t);
    }

    @PostMapping("/TransOutCancel")
    public void transOutCancel(BranchContext branch, @RequestBody Transfer t) {
        bank.transOutCancel(branch, t);
    }

    @PostMapping("/TransInTry")
    public void transInTry(BranchContext branch, @RequestBody Transfer t) {
        bank.transInTry(branch, t);
    }

    @PostMapping("/TransInConfirm")
    public void transInConfirm(BranchContext branch, @RequestBody Transfer t) {
        bank.transInConfirm(branch, t);
    }

    @PostMapping("/TransInCancel")
    public void transInCancel(BranchContext branch, @RequestBody Transfer t) {
        bank.transInCancel(branch, t);
    }
}
