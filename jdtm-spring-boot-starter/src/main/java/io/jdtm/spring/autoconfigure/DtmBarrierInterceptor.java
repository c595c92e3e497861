package io.jdtm.spring.autoconfigure;

import io.jdtm.spring.BranchContext;
import io.jdtm.spring.DtmBarrier;
import io.jdtm.spring.SpringBarrier;
import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.springframework.beans.factory.ObjectProvider;

/**
 * Runs a {@link DtmBarrier} method through {@link SpringBarrier#run}: the method's {@link BranchContext} argument
 * supplies the barrier; any exception, checked or not, rolls the transaction back and is rethrown unchanged.
 */
final class DtmBarrierInterceptor implements MethodInterceptor {

    private final ObjectProvider<SpringBarrier> barrier;

    DtmBarrierInterceptor(ObjectProvider<SpringBarrier> barrier) {
        this.barrier = barrier;
    }

    @Override
    public Object invoke(MethodInvocation invocation) throws Throwable {
        BranchContext branch = null;
        for (Object a : invocation.getArguments()) {
            if (a instanceof BranchContext c) {
                branch = c;
            }
        }
        if (branch == null) {
            throw new IllegalStateException("@DtmBarrier method " + invocation.getMethod().getDeclaringClass()
                    .getSimpleName() + "." + invocation.getMethod().getName() + " needs a non-null BranchContext "
                    + "argument (the barrier is taken from it)");
        }
        SpringBarrier b = barrier.getIfAvailable();
        if (b == null) {
            throw new IllegalStateException("@DtmBarrier needs a SpringBarrier bean: the application has no single "
                    + "DataSource and PlatformTransactionManager for the auto-configuration to use; declare one");
        }
        Object[] result = {null};
        try {
            b.run(branch, () -> {
                try {
                    result[0] = invocation.proceed();
                } catch (RuntimeException | Error e) {
                    throw e;
                } catch (Throwable t) {
                    throw new Checked(t); // rolls the transaction back, unwrapped below
                }
            });
        } catch (Checked c) {
            throw c.getCause();
        }
        return result[0];
    }

    /** Carries a checked exception out of the transaction callback. */
    private static final class Checked extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Checked(Throwable cause) {
            super(cause);
        }
    }
}
