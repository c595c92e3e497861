package io.jdtm.server.store.jdbc;

import io.jdtm.server.store.StoreException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive OS file lock on the data directory: the embedded store has one writer, so only one process (and one
 * open store per JVM) may use a data directory at a time. The OS drops the lock when the process dies, even on
 * {@code kill -9}, so a crash never leaves a stale lock behind.
 */
final class DirLock {
    private final FileChannel channel;
    private final FileLock lock;

    private DirLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    static DirLock acquire(Path lockFile) {
        FileChannel ch = null;
        try {
            ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock l = ch.tryLock();
            if (l == null) {
                ch.close();
                throw new StoreException("the data directory " + lockFile.getParent()
                        + " is in use by another jdtm process; the embedded store allows one process at a time"
                        + " (use PostgreSQL, MySQL or Redis to run several instances)");
            }
            return new DirLock(ch, l);
        } catch (OverlappingFileLockException e) {
            closeQuietly(ch);
            throw new StoreException("the data directory " + lockFile.getParent() + " is already open in this process");
        } catch (IOException e) {
            closeQuietly(ch);
            throw new StoreException("cannot lock the data directory " + lockFile.getParent() + ": " + e, e);
        }
    }

    void release() {
        try {
            lock.release();
        } catch (IOException e) {
            // closing the channel below releases it anyway
        }
        closeQuietly(channel);
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException e) {
                // nothing more to do
            }
        }
    }
}
