// The run's worker pool (WorkerPool.swift): every part of every loop runs exactly once, also
// after the workers went to sleep and when two threads start loops at once.
import Foundation
import Synchronization
import Testing
@testable import SobolevCore

/// Runs `loops` loops of 1...40 parts on `pool`, each part marking its own slot; true when every
/// slot of every loop was marked exactly once.
private func everyPartOnce(_ pool: WorkerPool, loops: Int, seed: UInt64, pause: Bool = false) -> Bool {
    var rng = SeededRNG(seed: seed)
    let marks = UnsafeMutableBufferPointer<Int>.allocate(capacity: 40)
    defer { marks.deallocate() }
    for _ in 0..<loops {
        let parts = 1 + Int(rng.uniform(0, 40))
        marks.initialize(repeating: 0)
        pool.run(parts: parts) { p in marks[p] += 1 }
        if !marks.prefix(parts).allSatisfy({ $0 == 1 }) || !marks.dropFirst(parts).allSatisfy({ $0 == 0 }) { return false }
        if pause { usleep(3_000) }   // longer than the workers spin: they sleep and are woken
    }
    return true
}

@Suite struct WorkerPoolTests {
    @Test("every part of every loop runs exactly once, on two and on three threads")
    func partsOnce() {
        for size in [2, 3] {
            let pool = WorkerPool(size: size)
            #expect(everyPartOnce(pool, loops: 5_000, seed: UInt64(size)))
        }
    }

    @Test("loops after the workers went to sleep run every part once")
    func afterSleep() {
        #expect(everyPartOnce(WorkerPool(size: 2), loops: 40, seed: 9, pause: true))
    }

    @Test("the parts of a loop run on several threads at once")
    func sideBySide() {
        // A part that waits until the other part has started can only finish in time if two threads run them.
        final class Started: @unchecked Sendable {
            let first = Atomic<Int>(0), second = Atomic<Int>(0)
            func flag(_ p: Int) -> Int {
                p == 0 ? first.load(ordering: .sequentiallyConsistent) : second.load(ordering: .sequentiallyConsistent)
            }
            func set(_ p: Int) {
                if p == 0 { first.store(1, ordering: .sequentiallyConsistent) } else { second.store(1, ordering: .sequentiallyConsistent) }
            }
        }
        let pool = WorkerPool(size: 2)
        let waited = UnsafeMutableBufferPointer<Bool>.allocate(capacity: 2)
        defer { waited.deallocate() }
        for _ in 0..<50 {
            let started = Started()
            waited.initialize(repeating: false)
            pool.run(parts: 2) { p in
                started.set(p)
                let deadline = Date().addingTimeInterval(2)
                while started.flag(1 - p) == 0 && Date() < deadline {}
                waited[p] = started.flag(1 - p) == 1
            }
            #expect(waited[0] && waited[1])
        }
    }

    @Test("loops started from two threads at once each run every part once (one waits its turn or runs alone)")
    func twoCallers() {
        let pool = WorkerPool(size: 2)
        final class Results: @unchecked Sendable { var ok = [false, false]; let lock = NSLock() }
        let results = Results()
        DispatchQueue.concurrentPerform(iterations: 2) { caller in
            let ok = everyPartOnce(pool, loops: 2_000, seed: 20 + UInt64(caller))
            results.lock.withLock { results.ok[caller] = ok }
        }
        #expect(results.ok == [true, true])
    }
}
