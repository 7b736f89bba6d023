// The threads of one run (`BLAS.setThreads`): persistent workers that wait for the next loop by
// spinning (yielding the core meanwhile), then sleeping. Dispatch's pool wakes a sleeping thread
// in about 50 us here, longer than many of a step's loops and products take: 20 us of work on
// two threads took 77 us with it, 21 us with this pool (docs/design.md, "Threads for one run").
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

final class WorkerPool: @unchecked Sendable {
    /// The process's pool: the largest asked for so far (kept when one thread follows: its
    /// workers sleep, and the next run with threads takes it again).
    private static let current = Mutex<WorkerPool?>(nil)

    /// The process's pool if it has at least `n` threads, else a new one of `n` that replaces it
    /// (`BLAS.setThreads`, and a step built with more threads than that).
    static func atLeast(_ n: Int) -> WorkerPool {
        current.withLock { pool in
            if let p = pool, p.size >= n { return p }
            let p = WorkerPool(size: n)
            pool = p
            return p
        }
    }

    /// Threads that run a loop, the caller's included.
    let size: Int
    /// The loop's claims: generation (20 bits), parts (22 bits), next part (22 bits), changed by
    /// compare-and-swap only, so a worker late for one loop cannot claim a part of the next.
    private let claims = Atomic<UInt64>(0)
    private let done = Atomic<Int>(0)
    private let sleeping = Atomic<Int>(0)
    private let busy = Atomic<Bool>(false)
    private var body: ((Int) -> Void)? = nil
    private var mutex = pthread_mutex_t(), wake = pthread_cond_t()
    /// Spins a worker makes before it sleeps (a yield each, 1-2 ms in all).
    private static let spins = 2_000

    init(size: Int) {
        self.size = size
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&wake, nil)
        for _ in 1..<max(size, 1) {
            var thread = pthread_t()
            let context = Unmanaged.passRetained(self).toOpaque()
            pthread_create(&thread, nil, { context in
                Unmanaged<WorkerPool>.fromOpaque(context!).takeRetainedValue().serve()
                return nil
            }, context)
            pthread_detach(thread)
        }
    }

    /// body(p) for p in 0..<parts, each once, on the pool's threads; returns when all are done.
    /// One loop at a time: a caller that finds the pool busy (another thread's loop, or a loop
    /// inside a part) runs its parts itself.
    func run(parts: Int, _ body: (Int) -> Void) {
        precondition(parts < 1 << 22)
        guard busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            for p in 0..<parts { body(p) }
            return
        }
        defer { busy.store(false, ordering: .releasing) }
        withoutActuallyEscaping(body) { escaping in
            self.body = escaping
            let generation = (claims.load(ordering: .relaxed) >> 44 &+ 1) & 0xFFFFF
            done.store(0, ordering: .relaxed)
            // Sequentially consistent with the sleeper's count and check (`serve`): either it sees
            // this loop, or this sees it asleep and wakes it.
            claims.store(generation << 44 | UInt64(parts) << 22, ordering: .sequentiallyConsistent)
            if sleeping.load(ordering: .sequentiallyConsistent) > 0 {
                pthread_mutex_lock(&mutex); pthread_cond_broadcast(&wake); pthread_mutex_unlock(&mutex)
            }
            work()
            while done.load(ordering: .acquiring) < parts {}
            self.body = nil
        }
    }

    /// Claims and runs parts of the current loop until none is left.
    private func work() {
        var v = claims.load(ordering: .acquiring)
        while true {
            let next = Int(v & 0x3FFFFF), parts = Int(v >> 22 & 0x3FFFFF)
            guard next < parts else { return }
            let (exchanged, now) = claims.compareExchange(expected: v, desired: v + 1, ordering: .acquiringAndReleasing)
            if exchanged {
                body!(next)
                done.add(1, ordering: .releasing)
                v = v + 1
            } else {
                v = now
            }
        }
    }

    private func serve() {
        var seen: UInt64 = 0   // the generation the pool began with: a worker that starts late still joins the first loop
        while true {
            var spins = 0
            while claims.load(ordering: .acquiring) >> 44 == seen {
                spins += 1
                // Yielding while it waits leaves the core to OpenBLAS's own threads when a
                // product runs on them.
                guard spins > WorkerPool.spins else { sched_yield(); continue }
                pthread_mutex_lock(&mutex)
                sleeping.add(1, ordering: .sequentiallyConsistent)
                while claims.load(ordering: .sequentiallyConsistent) >> 44 == seen { pthread_cond_wait(&wake, &mutex) }
                sleeping.subtract(1, ordering: .acquiringAndReleasing)
                pthread_mutex_unlock(&mutex)
            }
            seen = claims.load(ordering: .acquiring) >> 44
            work()
        }
    }
}
