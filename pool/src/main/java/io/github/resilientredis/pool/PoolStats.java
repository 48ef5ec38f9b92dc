package io.github.resilientredis.pool;

import java.time.Duration;

/**
 * A snapshot of a pool's counts, taken by {@link RedisPool#stats()}.
 *
 * @param total open connections (idle + active), plus those being opened
 * @param idle connections waiting in the pool, ready to lend
 * @param active connections lent out, or reserved for a heartbeat
 * @param waiting threads blocked in a borrow
 * @param created connections opened since the pool started
 * @param destroyed connections closed since the pool started
 * @param heartbeatFailures heartbeat PINGs that failed (each such connection was replaced)
 * @param brokenConnections connections discarded after a transport error (EOF, reset, timeout)
 * @param reconnects connections opened in the background to replace discarded ones
 * @param connectFailures failed attempts to open a connection
 * @param borrows successful borrows
 * @param borrowWaitTotal time borrowers spent waiting, summed
 * @param borrowWaitMax the longest single wait
 */
public record PoolStats(
    int total,
    int idle,
    int active,
    int waiting,
    long created,
    long destroyed,
    long heartbeatFailures,
    long brokenConnections,
    long reconnects,
    long connectFailures,
    long borrows,
    Duration borrowWaitTotal,
    Duration borrowWaitMax) {}
