// Which samples `sobolev data` still has to compute, cut into chunks, and who computes which.
import Foundation

/// The chunks left to compute. Static sharding: chunk k goes to rank k mod size (FE solves
/// cost about the same, so no coordinator is needed). Chunks hold at most `chunkSize` samples
/// and fewer when there are few samples per rank, so that every rank gets work.
public struct DataPlan: Sendable, Equatable {
    public var chunks: [Range<Int>]
    /// Samples found in finished part files (not computed again).
    public var storedSamples: Int
    public var storedChunks: Int

    /// The uncovered samples of 0..<samples, in maximal runs, each cut into pieces of the chunk size.
    public init(samples: Int, stored: [Range<Int>], chunkSize: Int, ranks: Int) {
        var covered = [Bool](repeating: false, count: samples)
        for r in stored { for i in r where i < samples { covered[i] = true } }
        storedSamples = covered.filter { $0 }.count
        storedChunks = stored.count
        let missing = samples - storedSamples
        let size = max(1, min(chunkSize, (missing + ranks - 1) / max(ranks, 1)))
        chunks = []
        var i = 0
        while i < samples {
            guard !covered[i] else { i += 1; continue }
            var end = i
            while end < samples && !covered[end] && end - i < size { end += 1 }
            chunks.append(i..<end)
            i = end
        }
    }

    public init(wire: [Int64]) {
        storedSamples = Int(wire[0]); storedChunks = Int(wire[1])
        chunks = stride(from: 2, to: wire.count, by: 2).map { Int(wire[$0])..<Int(wire[$0] + wire[$0 + 1]) }
    }

    /// [stored samples, stored chunks, start0, count0, start1, count1, ...] for the broadcast.
    public var wire: [Int64] {
        [Int64(storedSamples), Int64(storedChunks)] + chunks.flatMap { [Int64($0.lowerBound), Int64($0.count)] }
    }

    /// Indices into `chunks` that `rank` computes.
    public func chunks(rank: Int, size: Int) -> [Int] {
        Array(stride(from: rank, to: chunks.count, by: size))
    }
}

/// Rank 0's progress lines: chunks done/total, samples, elapsed and ETA.
struct DataProgress {
    let totalChunks: Int
    let totalSamples: Int
    var doneChunks: Int
    var doneSamples: Int
    let initialSamples: Int
    let start = DispatchTime.now()

    init(plan: DataPlan, samples: Int) {
        totalChunks = plan.storedChunks + plan.chunks.count
        totalSamples = samples
        doneChunks = plan.storedChunks
        doneSamples = plan.storedSamples
        initialSamples = plan.storedSamples
    }

    var pending: Int { totalChunks - doneChunks }

    var elapsed: Double { Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9 }

    /// Seconds left, from the samples computed by this command so far.
    var eta: Double? {
        let computed = doneSamples - initialSamples
        return computed == 0 ? nil : elapsed / Double(computed) * Double(totalSamples - doneSamples)
    }

    mutating func finished(_ chunk: Range<Int>, rank: Int) {
        doneChunks += 1
        doneSamples += chunk.count
        let eta = self.eta.map { "  ETA \(ProgressReporter.duration($0))" } ?? ""
        print("[chunk \(doneChunks)/\(totalChunks)] samples \(chunk.lowerBound)..<\(chunk.upperBound) by rank \(rank); \(doneSamples)/\(totalSamples) done  elapsed \(ProgressReporter.duration(elapsed))\(eta)")
        fflush(nil)   // progress must show under mpirun, where stdout is a pipe
    }
}
