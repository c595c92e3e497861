package io.jdtm.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Runs the annotated method behind the branch barrier of its {@link BranchContext} parameter, in the Spring
 * transaction it runs in (or one started for it): the barrier rows and every write of the method commit or roll back
 * together, exactly as with {@link SpringBarrier#run(BranchContext, Runnable)}.
 *
 * <pre>{@code
 * @DtmBarrier
 * @Transactional
 * public void transOut(BranchContext branch, long amount) {
 *     jdbc.update("update account set balance = balance - ? where id = 1", amount);
 * }
 * }</pre>
 *
 * <p>When the barrier absorbs the call (a repeated request, a compensation whose action never ran, an action arriving
 * after its compensation) the method is not invoked and returns {@code null}: annotate {@code void} methods. The
 * method must take a {@code BranchContext} parameter and be called through its Spring bean (a call from the same
 * object bypasses the proxy, as with {@code @Transactional}). The business method must not start a separate
 * transaction ({@code REQUIRES_NEW}): its writes would not be protected.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface DtmBarrier {
}
