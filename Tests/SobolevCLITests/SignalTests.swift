// Signals, mid-run checkpoints and resuming, with the real binary (alone and under a real
// mpirun): a clean stop checkpoints the running runs, merges the finished ones, prints the
// command that continues and exits 128 + N; continuing gives the same bits as never stopping.
import Foundation
import Testing
import SobolevCore
import SobolevStore
import SobolevHDF5

/// Two runs of a few thousand short steps with a stateful scheme each (their own optimizer and
/// random stream), mini-batches shuffled every epoch and early stopping on validation.
let longExperiment = tinyExperiment.replacingOccurrences(of: "name: tiny", with: "name: long")
    .replacingOccurrences(of: "  epochs: 200\n", with: "  epochs: 6000\n  batch_size: 7\n  patience: 100000\n")
    .replacingOccurrences(of: "  lambda_grad: [0, 1]\n", with: "  scheme: [relobralo, gradnorm]\n")

/// Objects and attributes where two results files differ, apart from times and what is derived
/// from them (h5diff compares exactly).
func differencesExceptTiming(_ a: String, _ b: String) throws -> [String] {
    let r = try run(which("h5diff"), ["-r", a, b])
    var object = "", out: [String] = []
    for line in r.stdout.split(separator: "\n") {
        if line.hasPrefix("attribute:") || line.hasPrefix("dataset:") || line.hasPrefix("group:") { object = String(line) }
        if line.hasSuffix("differences found") || line.hasSuffix("difference found"), let n = Int(line.split(separator: " ")[0]), n > 0 {
            out.append(object)
        }
    }
    let timing = ["wall_time", "train_time", "allreduce_time", "samples_per_second", "surrogate_time_per_sample", "<created ", "<updated "]
    let real = out.filter { o in !timing.contains { o.contains($0) } }
    if r.status > 1 { return ["h5diff failed: \(r.output)"] }
    return real
}

/// A command running in the background with its output in a file.
final class Background {
    let process = Process()
    let log: String

    /// The test runner starts children with some signals blocked; an mpirun started so would
    /// never see (nor forward) them. A one-line exec wrapper clears the mask.
    init(_ executable: String, _ arguments: [String], in dir: String, name: String = "job",
         environment: [String: String]? = nil) throws {
        log = dir + "/\(name).log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        process.executableURL = URL(fileURLWithPath: which("python3"))
        process.arguments = ["-c", "import os, signal, sys; signal.pthread_sigmask(signal.SIG_SETMASK, []); os.execv(sys.argv[1], sys.argv[1:])",
                             executable] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: dir)
        if let environment { process.environment = environment }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = handle; process.standardError = handle
        try process.run()
    }

    var output: String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }

    /// Waits until the output contains `text` (or the process ended, or `seconds` passed).
    @discardableResult
    func wait(for text: String, seconds: Double = 60) -> Bool {
        let limit = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < limit {
            if output.contains(text) { return true }
            usleep(5_000)
        }
        return output.contains(text)
    }

    /// Waits for the end; nil when it did not end within `seconds` (then it is killed).
    func finish(within seconds: Double) -> Int32? {
        let limit = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < limit { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit(); return nil }
        process.waitUntilExit()
        return process.terminationStatus
    }

    func signal(_ s: Int32) { kill(process.processIdentifier, s) }

    /// Waits for `text`, then for a checkpoint under `parts` (a run is mid-way), sends `s` and
    /// waits for the end: the exit status, nil if it did not end within 30 s.
    func stop(with s: Int32, after text: String, checkpointIn parts: String) -> Int32? {
        wait(for: text)
        waitForCheckpoint(parts)
        signal(s)
        return finish(within: 30)
    }
}

/// 180 configurations x `seeds` runs of a few ms each (a sweep of many tiny runs).
func manyTinyRuns(seeds: Int) -> String {
    """
    name: many
    problem: {name: sine, train_samples: 20, validation_samples: 10, test_samples: 50}
    model: {depth: [1, 2], width: [4, 8, 16], activation: [tanh, sin, gelu]}
    training: {learning_rate: [1.0e-3, 3.0e-3, 1.0e-2, 3.0e-2, 1.0e-1], epochs: 100, log_every: 5}
    loss: {lambda_grad: [0, 1]}
    seeds: \(seeds)

    """
}

/// Waits until a checkpoint file exists under `parts` (the run is mid-way), at most `seconds`.
func waitForCheckpoint(_ parts: String, seconds: Double = 60) {
    let limit = Date().addingTimeInterval(seconds)
    while Date() < limit {
        if ((try? FileManager.default.contentsOfDirectory(atPath: parts)) ?? []).contains(where: { $0.hasSuffix(".ckpt") }) { return }
        usleep(5_000)
    }
}

/// Process ids of the ranks running `pattern` (not mpirun), by pid.
func rankPids(_ pattern: String, excluding launcher: Int32) throws -> [Int32] {
    try run(which("pgrep"), ["-f", pattern]).stdout.split(separator: "\n").compactMap { Int32($0) }
        .filter { $0 != launcher }.sorted()
}

/// A fresh folder with l.yaml (`longExperiment`) and ref.h5, its uninterrupted single-process run.
func folderWithReference(_ name: String = #function) throws -> String {
    let dir = scratchFolder(name)
    try longExperiment.write(toFile: dir + "/l.yaml", atomically: true, encoding: .utf8)
    let reference = try sobolev(["run", "l.yaml", "--out", "ref.h5"], in: dir)
    #expect(reference.status == 0, "\(reference.output)")
    return dir
}

@Suite("signals and checkpoints", .serialized)
struct SignalTests {
    @Test("one writer per results file: a second command is refused while the first holds the lock; foreign parts are refused; once --force has merged, the command to continue drops --force")
    func oneWriterAndForce() throws {
        let dir = scratchFolder()
        try longExperiment.write(toFile: dir + "/l.yaml", atomically: true, encoding: .utf8)
        let first = try Background(sobolevBinary, ["run", "l.yaml", "--out", "r.h5", "--checkpoint-every", "0.1"], in: dir)
        first.wait(for: "results: r.h5")
        waitForCheckpoint(dir + "/r.h5.parts")
        #expect(FileManager.default.fileExists(atPath: dir + "/r.h5.lock"))
        for command in [["sweep", "l.yaml", "--out", "r.h5"], ["run", "l.yaml", "--out", "r.h5", "--force"]] {
            let second = try sobolev(command, in: dir)
            #expect(second.status == 1 && second.stderr.split(separator: "\n").count == 1, "\(second.output)")
            #expect(second.stderr.contains("r.h5: is being written by another command (sobolev run, host ") && second.stderr.contains("pid \(first.process.processIdentifier)"),
                    "\(second.stderr)")
        }
        first.signal(SIGTERM)
        #expect(first.finish(within: 20) == 143, "\(first.output)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/r.h5.lock"))
        let kept = try FileManager.default.contentsOfDirectory(atPath: dir + "/r.h5.parts").sorted()

        // A checkpoint of a run this experiment does not have (another experiment's, killed before its first merge).
        try "x".write(toFile: dir + "/r.h5.parts/0123456789abcdef.ckpt", atomically: true, encoding: .utf8)
        let foreign = try sobolev(["run", "l.yaml", "--out", "r.h5"], in: dir)
        #expect(foreign.status == 1 && foreign.stderr.contains("r.h5.parts: holds run 0123456789abcdef, which is not a run of this experiment"), "\(foreign.output)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/r.h5.parts").sorted() == (kept + ["0123456789abcdef.ckpt"]).sorted())
        #expect(!FileManager.default.fileExists(atPath: dir + "/r.h5.lock"))

        // --force says what goes now (the parts) and what at the first merge; stopped after a
        // merge, the command to continue no longer discards what it stored.
        let forced = try Background(sobolevBinary, ["run", "l.yaml", "--out", "r.h5", "--force"], in: dir, name: "forced")
        forced.wait(for: "[1/2]")
        forced.signal(SIGTERM)
        #expect(forced.finish(within: 20) == 143, "\(forced.output)")
        #expect(forced.output.contains("--force: r.h5 will be replaced at the first merge; nothing stored yet; now: its 0 unmerged part(s) and 2 checkpoint(s)"), "\(forced.output)")
        #expect(forced.output.contains("to continue, run it again without --force: ") && forced.output.contains("run l.yaml --out r.h5\n"), "\(forced.output)")
        let rest = try sobolev(["run", "l.yaml", "--out", "r.h5"], in: dir)
        #expect(rest.status == 0 && rest.stdout.contains("2 completed, 0 failed"), "\(rest.output)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/r.h5.lock") && !FileManager.default.fileExists(atPath: dir + "/r.h5.parts"))

        // --force stopped before its first run is merged replaces the file then (with no run), so
        // the command to continue is again the one without --force.
        let early = try Background(sobolevBinary, ["run", "l.yaml", "--out", "r.h5", "--force", "--checkpoint-every", "0.1"], in: dir, name: "early")
        early.wait(for: "results: r.h5")
        waitForCheckpoint(dir + "/r.h5.parts")
        early.signal(SIGTERM)
        #expect(early.finish(within: 20) == 143, "\(early.output)")
        #expect(early.output.contains("to continue, run it again without --force: "), "\(early.output)")
        #expect(try H5File.open(dir + "/r.h5").openGroup("runs").childNames().isEmpty)
        #expect(try sobolev(["run", "l.yaml", "--out", "r.h5"], in: dir).stdout.contains("from its checkpoint at step"))
    }

    @Test("SIGTERM, SIGINT, SIGUSR1 stop `run` cleanly (checkpoint, exit 128 + N, the command to continue); continuing gives the same bits")
    func runStopsAndContinues() throws {
        let dir = try folderWithReference()
        for (signal, status) in [(SIGTERM, 143), (SIGINT, 130), (SIGUSR1, 138)] as [(Int32, Int32)] {
            let job = try Background(sobolevBinary, ["run", "l.yaml", "--out", "r.h5", "--checkpoint-every", "0.1"], in: dir)
            job.wait(for: "results: r.h5")
            usleep(150_000)
            waitForCheckpoint(dir + "/r.h5.parts")
            let started = Date()
            job.signal(signal)
            let code = job.finish(within: 20)
            #expect(code == status, "signal \(signal): \(job.output)")
            #expect(Date().timeIntervalSince(started) < 5)
            #expect(job.output.contains("to continue, run the same command again: \(sobolevBinary) run l.yaml --out r.h5"), "\(job.output)")
            #expect(job.output.contains("run(s) checkpointed mid-run"), "\(job.output)")
            let checkpoints = try FileManager.default.contentsOfDirectory(atPath: dir + "/r.h5.parts").filter { $0.hasSuffix(".ckpt") }
            #expect(checkpoints.count == 1, "\(checkpoints)")
            for c in checkpoints { #expect(try run(which("h5dump"), ["-H", dir + "/r.h5.parts/" + c]).status == 0) }
        }
        let plan = try sobolev(["sweep", "l.yaml", "--out", "r.h5", "--dry-run"], in: dir)
        #expect(plan.stdout.contains("  continue  "), "\(plan.output)")
        let rest = try sobolev(["run", "l.yaml", "--out", "r.h5"], in: dir)
        #expect(rest.status == 0, "\(rest.output)")
        #expect(rest.stdout.contains("from its checkpoint at step"), "\(rest.stdout)")
        #expect(try differencesExceptTiming(dir + "/ref.h5", dir + "/r.h5") == [])
        #expect(!FileManager.default.fileExists(atPath: dir + "/r.h5.parts"))
    }

    @Test("the command to continue names the launcher: mpirun -np 1 for one rank under mpirun, srun -n 1 in a Slurm job step mpirun did not start")
    func continueCommandNamesLauncher() throws {
        let dir = scratchFolder()
        try longExperiment.write(toFile: dir + "/l.yaml", atomically: true, encoding: .utf8)
        let sweep = [sobolevBinary, "sweep", "l.yaml", "--out", "m.h5", "--checkpoint-every", "0.1"]
        let underMpirun = try Background(which("mpirun"), mpirunArguments(1) + sweep, in: dir, name: "mpirun")
        #expect(underMpirun.stop(with: SIGUSR1, after: "results: m.h5", checkpointIn: dir + "/m.h5.parts") == 138, "\(underMpirun.output)")
        #expect(underMpirun.output.contains("to continue, run the same command again: mpirun -np 1 \(sobolevBinary) sweep l.yaml"), "\(underMpirun.output)")
        // A step of a Slurm job (the variables srun sets for its tasks; the process runs alone here).
        var environment = ProcessInfo.processInfo.environment
        environment["SLURM_STEP_ID"] = "0"; environment["SLURM_PROCID"] = "0"
        let underSrun = try Background(sobolevBinary, Array(sweep.dropFirst()), in: dir, name: "srun", environment: environment)
        #expect(underSrun.stop(with: SIGUSR1, after: "from its checkpoint", checkpointIn: dir + "/m.h5.parts") == 138, "\(underSrun.output)")
        #expect(underSrun.output.contains("to continue, run the same command again: srun -n 1 \(sobolevBinary) sweep l.yaml"), "\(underSrun.output)")
    }

    @Test("a second signal ends at once; what is on disk stays whole and the run continues to the same bits")
    func secondSignal() throws {
        let dir = try folderWithReference()
        let job = try Background(sobolevBinary, ["run", "l.yaml", "--out", "r.h5", "--checkpoint-every", "0.1"], in: dir)
        job.wait(for: "results: r.h5")
        waitForCheckpoint(dir + "/r.h5.parts")
        job.signal(SIGINT)
        job.signal(SIGTERM)
        let code = job.finish(within: 5)
        #expect(code == 130 || code == 143, "\(job.output)")   // 128 + the second signal handled
        #expect(!job.output.contains("stopped by"), "\(job.output)")
        let parts = (try? FileManager.default.contentsOfDirectory(atPath: dir + "/r.h5.parts")) ?? []
        for p in parts where !p.contains(".tmp-") { #expect(try run(which("h5dump"), ["-H", dir + "/r.h5.parts/" + p]).status == 0, "\(p)") }
        let rest = try sobolev(["run", "l.yaml", "--out", "r.h5"], in: dir)
        #expect(rest.status == 0, "\(rest.output)")
        #expect(try differencesExceptTiming(dir + "/ref.h5", dir + "/r.h5") == [])
    }

    @Test("--checkpoint-every: after kill -9 the run continues from its last checkpoint, to the same bits")
    func periodicCheckpoint() throws {
        let dir = try folderWithReference()
        let job = try Background(sobolevBinary, ["run", "l.yaml", "--out", "r.h5", "--checkpoint-every", "0.2"], in: dir)
        job.wait(for: "results: r.h5")
        waitForCheckpoint(dir + "/r.h5.parts")
        usleep(100_000)
        job.signal(SIGKILL)
        _ = job.finish(within: 10)
        let rest = try sobolev(["run", "l.yaml", "--out", "r.h5"], in: dir)
        #expect(rest.status == 0, "\(rest.output)")
        #expect(rest.stdout.contains("from its checkpoint at step"), "\(job.output)\n\(rest.stdout)")
        #expect(try differencesExceptTiming(dir + "/ref.h5", dir + "/r.h5") == [])
        let bad = try sobolev(["run", "l.yaml", "--out", "x.h5", "--checkpoint-every", "nan"], in: dir)
        #expect(bad.status != 0 && bad.stderr.contains("--checkpoint-every"), "\(bad.output)")
    }

    @Test("under mpirun with groups of 2: SIGUSR1 to mpirun and SIGTERM to one rank stop every group at a step; the sweep continues to the same bits")
    func mpirunStopsAndContinues() throws {
        let dir = scratchFolder()
        try longExperiment.write(toFile: dir + "/l.yaml", atomically: true, encoding: .utf8)
        let sweep = [sobolevBinary, "sweep", "l.yaml", "--out", "m.h5", "--ranks-per-run", "2", "--checkpoint-every", "0.1"]
        let reference = try mpirun(4, [sobolevBinary, "sweep", "l.yaml", "--out", "ref.h5", "--ranks-per-run", "2"], in: dir)
        #expect(reference.status == 0, "\(reference.output)")
        // SIGUSR1 to mpirun (it forwards it to every rank).
        let first = try Background(which("mpirun"), mpirunArguments(4) + sweep, in: dir, name: "first")
        #expect(first.stop(with: SIGUSR1, after: "results: m.h5", checkpointIn: dir + "/m.h5.parts") == 138, "\(first.output)")
        #expect(first.output.contains("stopped by SIGUSR1: 2 run(s) checkpointed mid-run"), "\(first.output)")
        #expect(first.output.contains("to continue, run the same command again: mpirun -np 4 "), "\(first.output)")
        #expect(first.output.contains("(with the launcher's own options you gave"), "\(first.output)")
        // SIGTERM to one rank only (the last by pid, normally rank 3, not a group leader): its
        // group agrees to stop, rank 0 halts the other group.
        let second = try Background(which("mpirun"), mpirunArguments(4) + sweep, in: dir, name: "second")
        second.wait(for: "from its checkpoint")
        usleep(200_000)
        let ranks = try rankPids("sweep l.yaml --out m.h5", excluding: second.process.processIdentifier)
        #expect(ranks.count == 4)
        if let last = ranks.last { kill(last, SIGTERM) }
        #expect(second.finish(within: 30) == 143, "\(second.output)")
        #expect(second.output.contains("stopped by SIGTERM"), "\(second.output)")
        let rest = try mpirun(4, sweep, in: dir)
        #expect(rest.status == 0, "\(rest.output)")
        #expect(rest.stdout.components(separatedBy: "from its checkpoint at step").count == 3, "\(rest.stdout)")
        #expect(!rest.stdout.contains("was checkpointed by a group of"), "\(rest.stdout)")
        #expect(try differencesExceptTiming(dir + "/ref.h5", dir + "/m.h5") == [])
    }

    @Test("SIGTERM to mpirun: a run of 1M parameters is checkpointed within the second mpirun leaves before SIGKILL; continued on other ranks it says so")
    func mpirunTermLargeModel() throws {
        let dir = scratchFolder()
        // 984,201 parameters: Adam's state is 32 MB, which deflated took 1.1 s to write.
        let big = """
            name: big
            problem: {name: franke, train_samples: 128, validation_samples: 16, test_samples: 100}
            model: {depth: 3, width: 700}
            training: {epochs: 300, batch_size: 64, log_every: 50}
            seeds: [0]

            """
        try big.write(toFile: dir + "/b.yaml", atomically: true, encoding: .utf8)
        let job = try Background(which("mpirun"), mpirunArguments(1) + [sobolevBinary, "sweep", "b.yaml", "--out", "b.h5"], in: dir)
        #expect(job.wait(for: "results: b.h5"))
        usleep(1_500_000)   // some steps of about 20 ms
        job.signal(SIGTERM)
        _ = job.finish(within: 30)   // mpirun's own status (1), not the rank's
        let parts = (try? FileManager.default.contentsOfDirectory(atPath: dir + "/b.h5.parts")) ?? []
        #expect(parts.contains { $0.hasSuffix(".ckpt") }, "\(parts)\n\(job.output)")
        #expect(job.output.contains("stopped by SIGTERM"), "\(job.output)")
        // Continued by a group of 2: another split of each batch, so a warning (not an error).
        let more = try mpirun(2, [sobolevBinary, "sweep", "b.yaml", "--out", "b.h5", "--ranks-per-run", "2"], in: dir, timeout: 600)
        #expect(more.status == 0, "\(more.output)")
        #expect(more.stdout.contains("from its checkpoint at step")
                && more.stdout.contains("was checkpointed by a group of 1 rank(s) and continues on 2"), "\(more.stdout)")
    }

    @Test("SIGTERM to mpirun during a sweep of thousands of tiny runs: mpirun stops reading the output, yet rank 0 stops cleanly (merged, no parts, no lock)")
    func mpirunTermWhileOutputStalls() throws {
        let dir = scratchFolder()
        // 10,080 runs of a few ms: rank 0's progress lines fill the pipe mpirun no longer reads
        // (64 KB, some 400 lines) long before the signal reaches the ranks.
        try manyTinyRuns(seeds: 56).write(toFile: dir + "/m.yaml", atomically: true, encoding: .utf8)
        var env = ProcessInfo.processInfo.environment
        env["OMPI_MCA_odls_base_sigkill_timeout"] = "5"   // the ranks get SIGTERM 5 s after mpirun
        let job = try Background(which("mpirun"), mpirunArguments(2) + [sobolevBinary, "sweep", "m.yaml", "--out", "m.h5"], in: dir,
                                 environment: env)
        #expect(job.wait(for: "[200/10080] done"))
        job.signal(SIGTERM)
        _ = job.finish(within: 60)
        let left = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        #expect(left.contains("m.h5") && !left.contains("m.h5.lock"), "\(left)")
        // Every finished run merged; what stays are the checkpoints of the runs the stop interrupted.
        let parts = (try? FileManager.default.contentsOfDirectory(atPath: dir + "/m.h5.parts")) ?? []
        #expect(parts.allSatisfy { $0.hasSuffix(".ckpt") } && parts.count <= 2, "\(parts)")
        let plan = try sobolev(["sweep", "m.yaml", "--out", "m.h5", "--dry-run"], in: dir)
        #expect(plan.stdout.contains("stored: ") && !plan.stdout.contains("stored: 0 completed"), "\(plan.output)")
    }

    @Test("SIGTERM to mpirun (kill 1 s later) with more finished runs than can be merged in time: they stay as parts, no lock or temporary file is left, the next command merges them")
    func mpirunTermLeavesPartsWhenMergeCannotFit() throws {
        let dir = scratchFolder()
        try manyTinyRuns(seeds: 10).write(toFile: dir + "/m.yaml", atomically: true, encoding: .utf8)
        // No merge but the first and the last: some 1,000 parts wait at the stop (about 1 ms each
        // to merge), more than the second mpirun gives before SIGKILL.
        let sweep = [sobolevBinary, "sweep", "m.yaml", "--out", "m.h5", "--merge-every", "600"]
        var env = ProcessInfo.processInfo.environment
        env["OMPI_MCA_odls_base_sigkill_timeout"] = nil
        let job = try Background(which("mpirun"), mpirunArguments(2) + sweep, in: dir, environment: env)
        #expect(job.wait(for: "[900/1800] done"))
        job.signal(SIGTERM)
        _ = job.finish(within: 30)
        let left = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        let parts = (try? FileManager.default.contentsOfDirectory(atPath: dir + "/m.h5.parts")) ?? []
        #expect(!left.contains("m.h5.lock") && !(left + parts).contains { $0.contains(".tmp-") }, "\(left) \(parts.filter { !$0.hasSuffix(".h5") })")
        #expect(parts.filter { $0.hasSuffix(".h5") }.count >= 900, "\(parts.count) parts")
        let rest = try mpirun(2, sweep, in: dir)
        #expect(rest.status == 0 && rest.stdout.contains("(1800 completed, 0 failed, 0 missing of 1800)"), "\(rest.output)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/m.h5.parts"))
    }

    @Test("the Slurm script passes SIGUSR1 (the time limit) on to the sweep, which stops cleanly; the next job continues")
    func slurmScript() throws {
        let dir = try folderWithReference()
        let script = packageRoot + "/cluster/slurm-sweep.sbatch"
        let environment = ["LAUNCHER": "mpirun", "SLURM_NTASKS": "2", "SOBOLEV": sobolevBinary, "MAX_CHAIN": "1",
                           "MPIRUN_FLAGS": "--oversubscribe --allow-run-as-root -x OPENBLAS_NUM_THREADS=1"]
        let args = [script, "l.yaml", "s.h5", "--checkpoint-every", "0.1"]
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        // A chain may start with --force; the next job must not get it (it would discard this
        // job's checkpoints and merged runs). No sbatch here: the script prints what it would submit.
        env["MAX_CHAIN"] = "5"
        env["PATH"] = (env["PATH"] ?? "").split(separator: ":").filter { !FileManager.default.fileExists(atPath: "\($0)/sbatch") }.joined(separator: ":")
        let job = try Background(which("bash"), args + ["--force"], in: dir, environment: env)
        job.wait(for: "results: s.h5")
        waitForCheckpoint(dir + "/s.h5.parts")
        job.signal(SIGUSR1)
        #expect(job.finish(within: 60) == 138, "\(job.output)")   // mpirun waits 2 x its sigkill timeout (10 s)
        #expect(job.output.contains("time limit near") && job.output.contains("stopped by SIGUSR1"), "\(job.output)")
        let resubmit = job.output.split(separator: "\n").first { $0.contains("sbatch not found; to continue, submit again: sbatch ") }
        #expect(resubmit != nil && !(resubmit ?? "").contains("--force") && (resubmit ?? "").contains("l.yaml s.h5 --checkpoint-every 0.1"), "\(job.output)")
        let next = try run(which("bash"), args, in: dir, environment: environment)
        #expect(next.status == 0, "\(next.output)")
        #expect(next.stdout.contains("from its checkpoint at step"), "\(next.stdout)")
        #expect(try differencesExceptTiming(dir + "/ref.h5", dir + "/s.h5") == [])
    }

    @Test("the Slurm script finds the binary from the submission folder (Slurm runs a spooled copy), or says where it looked; it checks the rank count it gives mpirun")
    func slurmScriptFindsTheBinary() throws {
        let dir = scratchFolder()
        let script = packageRoot + "/cluster/slurm-sweep.sbatch"
        let missing = try run(which("bash"), [script, "l.yaml", "s.h5"], in: dir,
                              environment: ["SLURM_SUBMIT_DIR": dir, "LAUNCHER": "mpirun", "SLURM_NTASKS": "1"])
        #expect(missing.status == 2, "\(missing.output)")
        #expect(missing.stderr.contains("no sobolev binary at \(dir)/.build/release/sobolev"), "\(missing.output)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
        // The rank count mpirun gets: SLURM_NTASKS, set and a positive integer (0 would mean all slots).
        for (tasks, needle) in [(nil, "takes the number of ranks from SLURM_NTASKS, which is not set"), ("0", "SLURM_NTASKS=0: expected a positive integer")] as [(String?, String)] {
            var environment = ["SOBOLEV": sobolevBinary, "LAUNCHER": "mpirun"]
            environment["SLURM_NTASKS"] = tasks
            let r = try run(which("bash"), [script, "l.yaml", "s.h5"], in: dir, environment: environment, unset: tasks == nil ? ["SLURM_NTASKS"] : [])
            #expect(r.status == 2 && r.stderr.split(separator: "\n").count == 1 && r.stderr.contains(needle), "\(r.output)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
    }

    @Test("chaos: a sweep under mpirun -np 3 killed (SIGKILL or SIGTERM; mpirun, rank 0 or another rank) at random moments and resumed each time ends bitwise equal to an uninterrupted sweep")
    func chaos() throws {
        let dir = scratchFolder()
        try longExperiment.replacingOccurrences(of: "seeds: 1", with: "seeds: 3")
            .write(toFile: dir + "/c.yaml", atomically: true, encoding: .utf8)
        let reference = try sobolev(["sweep", "c.yaml", "--out", "ref.h5"], in: dir)
        #expect(reference.status == 0, "\(reference.output)")
        let seed = UInt64(Date().timeIntervalSince1970 * 1000) % 1_000_000
        var rng = SeededRNG(seed: seed)
        var notes = ["seed \(seed)"]
        let sweep = [sobolevBinary, "sweep", "c.yaml", "--out", "c.h5", "--merge-every", "0.2", "--checkpoint-every", "0.2"]
        var logs = ""
        for round in 0..<5 {
            let job = try Background(which("mpirun"), mpirunArguments(3) + sweep, in: dir, name: "round\(round)")
            job.wait(for: "results: c.h5")
            if job.output.contains(" 0 to train") { break }
            usleep(useconds_t(100_000 + rng.integer(below: 900_000)))
            let victim = ["mpirun", "rank 0", "another rank"][rng.integer(below: 3)]
            let signal = rng.bernoulli(0.5) ? SIGKILL : SIGTERM
            let ranks = try rankPids("sweep c.yaml --out c.h5", excluding: job.process.processIdentifier)
            let pid = victim == "mpirun" ? job.process.processIdentifier
                : (victim == "rank 0" ? ranks.first : ranks.dropFirst().randomElement(using: &rng))
            notes.append("round \(round): \(signal == SIGKILL ? "SIGKILL" : "SIGTERM") to \(victim)")
            if let pid { kill(pid, signal) }
            let status = job.finish(within: 60)
            #expect(status != nil, "mpirun did not end (\(notes.joined(separator: "; ")))")
            // Every rank has ended before the next round (none may write beside the next job).
            let limit = Date().addingTimeInterval(30)
            while try !rankPids("sweep c.yaml --out c.h5", excluding: -1).isEmpty && Date() < limit { usleep(50_000) }
            #expect(try rankPids("sweep c.yaml --out c.h5", excluding: -1).isEmpty, "ranks left running (\(notes.joined(separator: "; ")))")
            logs += job.output
            if FileManager.default.fileExists(atPath: dir + "/c.h5") {
                #expect(try run(which("h5dump"), ["-H", dir + "/c.h5"]).status == 0, "\(notes.joined(separator: "; "))")
            }
        }
        let last = try mpirun(3, sweep, in: dir, timeout: 120)
        logs += last.output
        let note = notes.joined(separator: "; ")
        #expect(last.status == 0, "\(note): \(last.output)")
        let runs = try H5File.open(dir + "/c.h5").openGroup("runs")
        #expect(try runs.childNames().count == 6, "\(note)")
        #expect(try differencesExceptTiming(dir + "/ref.h5", dir + "/c.h5") == [], "\(note)")
        #expect(logs.contains("from its checkpoint at step"), "no run was continued mid-run (\(note))")
        #expect(!FileManager.default.fileExists(atPath: dir + "/c.h5.parts"), "\(note)")
    }
}
