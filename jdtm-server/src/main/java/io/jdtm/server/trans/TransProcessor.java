package io.jdtm.server.trans;

import io.jdtm.server.store.TransBranch;
import java.util.List;

/**
 * One transaction type's processing pass (spec §6.7–§6.11). A pass moves the transaction as far as it can now and
 * leaves the rest to the poller. It throws {@link DtmException} when the pass itself reports an error (a msg,
 * tcc or xa branch that did not succeed; a lost compare-and-set).
 */
interface TransProcessor {
    void processOnce(Engine engine, Pass pass, List<TransBranch> branches);
}
