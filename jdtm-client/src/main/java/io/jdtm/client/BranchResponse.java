package io.jdtm.client;

/**
 * A branch's successful answer to a call the AP made itself (TCC Try, XA action): the HTTP status (200) and the body
 * text. Failed calls never produce one — they throw a {@link DtmException}. Immutable.
 *
 * @param status the HTTP status
 * @param body the response body, {@code ""} when there was none
 */
public record BranchResponse(int status, String body) {}
