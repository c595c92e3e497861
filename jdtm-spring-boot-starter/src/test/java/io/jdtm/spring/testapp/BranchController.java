package io.jdtm.spring.testapp;

import io.jdtm.client.DtmFailureException;
import io.jdtm.client.DtmOngoingException;
import io.jdtm.spring.BranchContext;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Branch handlers that record each call and answer by their name: {@code Fail*} throws FAILURE, {@code Ongoing*}
 * ONGOING, anything else returns normally (SUCCESS).
 */
@RestController
@RequestMapping("/api/busi")
public class BranchController {

    /** One call as the handler saw it. */
    public record Call(String name, String gid, String transType, String branchId, String op, String token) {}

    private final List<Call> calls = new CopyOnWriteArrayList<>();

    @PostMapping("/{name}")
    public void branch(@PathVariable("name") String name, BranchContext branch,
            @RequestHeader(value = "X-Test-Token", required = false) String token) {
        calls.add(new Call(name, branch.gid(), branch.transType(), branch.branchId(), branch.op(), token));
        if (name.startsWith("Fail")) {
            throw new DtmFailureException("refused by " + name);
        }
        if (name.startsWith("Ongoing")) {
            throw new DtmOngoingException("not yet: " + name);
        }
    }

    @GetMapping("/context")
    public Map<String, String> context(BranchContext branch) {
        return branch.toQuery();
    }

    public List<Call> calls(String gid) {
        return calls.stream().filter(c -> c.gid().equals(gid)).toList();
    }
}
