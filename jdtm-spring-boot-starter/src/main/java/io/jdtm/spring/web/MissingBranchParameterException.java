package io.jdtm.spring.web;

import org.springframework.web.bind.ServletRequestBindingException;

/**
 * A request to a handler taking a {@code BranchContext} lacks one of DTM's required query parameters
 * ({@code gid}, {@code trans_type}, {@code branch_id}, {@code op}): a caller's mistake, answered 400 naming the
 * parameter ({@link DtmExceptionHandler}; Spring's own 400 when that is switched off).
 */
public final class MissingBranchParameterException extends ServletRequestBindingException {
    private static final long serialVersionUID = 1L;

    private final String parameter;

    public MissingBranchParameterException(String parameter) {
        super("a DTM branch request needs the query parameter '" + parameter + "'; it is missing or empty");
        this.parameter = parameter;
    }

    /** The missing parameter's name. */
    public String parameter() {
        return parameter;
    }
}
