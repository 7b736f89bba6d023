// `sobolev data`: samples of a problem (values, Jacobians and, where the problem has them,
// Hessians) over all ranks of the job, into one data file; resumable like a sweep.
//
// Every rank draws all N inputs from the seed and computes its own chunks (DataPlan: static,
// chunk k on rank k mod size), saving each finished chunk as OUT.parts/chunk-<start>.h5. Other
// ranks tell rank 0 of each chunk (tag 21: "DONE <start> <count>") so that it can print progress
// and knows when all are written; rank 0 then merges the chunks in sample order, adds the noise
// over the whole set (so it does not depend on the chunks either), writes OUT atomically and
// deletes the parts. A rerun of a killed command computes only the chunks not on disk.
import Foundation
import SobolevCore
import SobolevProblems
import SobolevStore

/// What rank 0 reports at the end.
public struct DataSummary: Sendable {
    public var path: String
    public var samples: Int
    public var wallTime: Double
    public var timePerSample: Double
}

public enum DataGeneration {
    static let doneTag = 21

    /// Runs the command on every rank of `world`; returns the summary on rank 0, nil elsewhere.
    /// Any error ends the whole job with a message (never leaves a rank waiting).
    public static func run(_ request: DataRequest, world: any Communicator, started: DispatchTime = .now()) -> DataSummary? {
        func elapsed() -> Double { Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9 }

        // Arguments are the same on every rank: rank 0 alone reports a bad one and ends the job.
        let job: DataJob
        do { job = try DataJob(request) } catch { world.failAlike("\(error)") }
        let (n, d, m) = (request.samples, job.problem.inputDimension, job.problem.outputDimension)
        let x = job.inputs()
        let store = DataChunkStore(out: request.out, signature: job.signature, inputDimension: d, outputDimension: m,
                                   hessians: job.writesHessians)

        // Rank 0 checks the output and the part files, and plans; every rank gets the plan.
        var wire: [Int64] = []
        let lock = WriterLock(path: request.out + ".lock")
        if world.rank == 0 {
            do {
                let plan = try prepare(store: store, inputs: x, chunkSize: request.chunkSize, ranks: world.size, lock: lock)
                wire = plan.wire
            } catch { world.fail("\(error)") }
        }
        defer { lock.release() }
        world.broadcast(variable: &wire, root: 0)
        // A failure on any rank ends the job: the parts folder goes when it is still empty (rmdir
        // removes only an empty one; the lock's holder removes the lock file).
        let directory = store.directory
        OnFailure.register { rmdir(directory) }
        let plan = DataPlan(wire: wire)
        var progress = DataProgress(plan: plan, samples: n)
        if world.rank == 0 {
            print("data \(job.problem.name): \(n) samples (\(job.sampler.kind.rawValue), seed \(request.seed)) on \(world.size) rank(s); \(plan.storedSamples) stored in \(plan.storedChunks) chunk(s), \(plan.chunks.count) chunk(s) of up to \(plan.chunks.map(\.count).max() ?? 0) to compute (chunk k on rank k mod \(world.size)); out: \(request.out)")
            fflush(nil)   // progress must show under mpirun, where stdout is a pipe
        }
        func poll() {
            while world.rank == 0 && world.hasMessage(from: nil, tag: doneTag) {
                let message = world.receive(from: nil, tag: doneTag)
                let f = String(decoding: message.bytes, as: UTF8.self).split(separator: " ").compactMap { Int($0) }
                if f.count == 2 { progress.finished(f[0]..<(f[0] + f[1]), rank: message.source) }
            }
        }

        for k in plan.chunks(rank: world.rank, size: world.size) {
            let range = plan.chunks[k]
            var chunk = DataChunk(start: range.lowerBound, inputs: [], values: [], jacobians: [],
                                  hessians: job.writesHessians ? [] : nil, solveTimes: [])
            for i in range {
                let xi = x.row(i)
                let t0 = DispatchTime.now()
                let r: (values: [Double], jacobian: [Double])
                do { r = try job.problem.evaluate(xi) } catch { world.fail("sample \(i) (\(job.problem.describe(xi))): \(error)") }
                let h = job.writesHessians ? job.problem.hessian!(xi) : []
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0.uptimeNanoseconds) / 1e9
                guard (r.values + r.jacobian + h).allSatisfy(\.isFinite) else {
                    world.fail("sample \(i) (\(job.problem.describe(xi))): non-finite values \(r.values), Jacobian \(r.jacobian) or Hessian \(h)")
                }
                chunk.inputs += xi; chunk.values += r.values; chunk.jacobians += r.jacobian
                if job.writesHessians { chunk.hessians! += h }
                chunk.solveTimes.append(seconds)
                poll()
            }
            do { try store.save(chunk) } catch { world.fail("saving samples \(range) to \(store.path(start: range.lowerBound)): \(error)") }
            if world.rank == 0 { progress.finished(range, rank: 0) } else { world.send("DONE \(range.lowerBound) \(range.count)", to: 0, tag: doneTag) }
        }
        guard world.rank == 0 else { return nil }
        // Polling with a pause rather than a blocking receive: MPI's blocking probe spins and
        // would take a core from the ranks still solving.
        while progress.pending > 0 { poll(); if progress.pending > 0 { usleep(5_000) } }

        do {
            let (data, times) = try merge(store: store, inputs: x, job: job)
            let timing = DataTiming(solveTimes: times, ranks: world.size, resumedSamples: plan.storedSamples)
            try DataOutput.write(data, job: job, timing: timing, wall: elapsed)
            store.removeAll()
            let summary = DataSummary(path: request.out, samples: n, wallTime: elapsed(), timePerSample: timing.perSample)
            let d2y = job.writesHessians ? ", d2Y [\(n), \(m), \(d), \(d)]" : ""
            print(String(format: "data: %@  (%d samples; X [%d, %d], Y [%d, %d], dY [%d, %d, %d]%@; %.2f s on %d rank(s); %.3g ms per sample)",
                         request.out, n, n, d, n, m, n, m, d, d2y, summary.wallTime, world.size, 1000 * summary.timePerSample))
            return summary
        } catch { world.fail("\(error)") }
    }

    /// Refuses an existing output, clears temporaries of killed writers, reads the finished
    /// chunks (checking they hold this command's inputs) and plans the rest.
    static func prepare(store: DataChunkStore, inputs x: Matrix, chunkSize: Int, ranks: Int, lock: WriterLock) throws -> DataPlan {
        let out = store.out
        func refuseAnExistingOutput() throws {
            guard !FileManager.default.fileExists(atPath: out) else {
                throw DataError("\(out) exists already; not overwritten (choose another --out or delete it)")
            }
        }
        try refuseAnExistingOutput()
        // The parts folder now, not after the first chunk's work: an unwritable --out fails at once.
        let made = !FileManager.default.fileExists(atPath: store.directory)
        do {
            try FileManager.default.createDirectory(atPath: store.directory, withIntermediateDirectories: true)
        } catch {
            throw DataError("--out \(out): cannot create the folder \(store.directory): \(reason(error))")
        }
        // One command per output (WriterLock); the output is looked for again under the lock: a
        // command that held it may have finished the file since. A refusal takes back the parts
        // folder it made (rmdir: only while empty; one that was there is another command's).
        func takeBack() { if made { rmdir(store.directory) } }
        do {
            try lock.acquire(for: out, by: "data command")
            do { try refuseAnExistingOutput() } catch { lock.release(); throw error }
        } catch { takeBack(); throw error }
        store.removeStaleTemporaries()
        let stored = try store.stored(samples: x.rows)
        for c in stored { try checkInputs(c, x, store) }
        return DataPlan(samples: x.rows, stored: stored.map(\.range), chunkSize: chunkSize, ranks: ranks)
    }

    /// A file-system error as its plain reason ("Permission denied"), not Foundation's dump.
    static func reason(_ error: Error) -> String {
        let ns = error as NSError
        if let posix = ns.userInfo[NSUnderlyingErrorKey] as? NSError, posix.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(posix.code)))
        }
        return ns.localizedDescription
    }

    /// The chunks in sample order (the first chunk that holds a sample wins), noise added.
    static func merge(store: DataChunkStore, inputs x: Matrix, job: DataJob) throws -> (Dataset, [Double]) {
        let (n, d, m) = (x.rows, x.cols, store.outputDimension)
        var y = [Double](repeating: 0, count: n * m), dy = [Double](repeating: 0, count: n * m * d)
        var d2y = [Double](repeating: 0, count: store.hessians ? n * m * d * d : 0)
        var times = [Double](repeating: 0, count: n), covered = [Bool](repeating: false, count: n)
        for c in try store.stored(samples: n) {
            try checkInputs(c, x, store)
            for (k, i) in c.range.enumerated() where !covered[i] {
                covered[i] = true
                y.replaceSubrange((i * m)..<((i + 1) * m), with: c.values[(k * m)..<((k + 1) * m)])
                dy.replaceSubrange((i * m * d)..<((i + 1) * m * d), with: c.jacobians[(k * m * d)..<((k + 1) * m * d)])
                if let h = c.hessians {
                    let b = m * d * d
                    d2y.replaceSubrange((i * b)..<((i + 1) * b), with: h[(k * b)..<((k + 1) * b)])
                }
                times[i] = c.solveTimes[k]
            }
        }
        if let missing = covered.firstIndex(of: false) {
            throw DataError("\(store.directory): sample \(missing) is in no chunk file (were part files deleted while the job ran?); run the command again to compute it")
        }
        // The Hessians stay exact: the noise models are of values and first derivatives.
        let clean = Dataset(inputs: x, values: Matrix(rows: n, cols: m, data: y), jacobians: dy, hessians: store.hessians ? d2y : nil)
        return (noisy(clean, valueNoise: job.valueNoise, gradientNoise: job.gradNoise, seed: UInt64(job.request.seed)), times)
    }

    /// A chunk must hold exactly this command's inputs (same sampler code, same seed).
    static func checkInputs(_ c: DataChunk, _ x: Matrix, _ store: DataChunkStore) throws {
        let expected = Array(x.data[(c.start * x.cols)..<((c.start + c.count) * x.cols)])
        guard c.inputs == expected else {
            throw DataError("\(store.path(start: c.start)): its inputs differ from this command's samples \(c.range); use another --out or delete \(store.directory)")
        }
    }
}
