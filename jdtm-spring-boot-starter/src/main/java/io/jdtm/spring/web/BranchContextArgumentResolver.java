package io.jdtm.spring.web;

import io.jdtm.spring.BranchContext;
import java.util.HashMap;
import java.util.Map;
import org.springframework.core.MethodParameter;
import org.springframework.web.bind.support.WebDataBinderFactory;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.method.support.ModelAndViewContainer;

/**
 * Fills a Spring MVC handler's {@link BranchContext} parameter from the DTM query parameters of the request
 * ({@code gid}, {@code trans_type}, {@code branch_id}, {@code op}; {@code dtm} and {@code phase2_url} when present),
 * with a fresh barrier over the configured table. A missing required parameter is answered 400 naming it
 * ({@link MissingBranchParameterException}). Stateless and thread-safe; registered by the auto-configuration.
 */
public final class BranchContextArgumentResolver implements HandlerMethodArgumentResolver {

    private final String barrierTable;

    public BranchContextArgumentResolver(String barrierTable) {
        this.barrierTable = barrierTable;
    }

    @Override
    public boolean supportsParameter(MethodParameter parameter) {
        return BranchContext.class.equals(parameter.getParameterType());
    }

    @Override
    public BranchContext resolveArgument(MethodParameter parameter, ModelAndViewContainer mav,
            NativeWebRequest request, WebDataBinderFactory binders) throws MissingBranchParameterException {
        Map<String, String> query = new HashMap<>();
        for (String name : BranchContext.PARAMETERS) {
            String v = request.getParameter(name);
            if (v != null && !v.isEmpty()) {
                query.put(name, v);
            }
        }
        for (String required : BranchContext.PARAMETERS.subList(0, 4)) {
            if (!query.containsKey(required)) {
                throw new MissingBranchParameterException(required);
            }
        }
        return BranchContext.fromQuery(query, barrierTable);
    }
}
