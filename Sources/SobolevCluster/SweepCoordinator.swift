// World rank 0's role: the coordinator, which is also the leader of group 0. It hands grid points
// to group leaders as they become free (dynamic scheduling: run times differ by orders of
// magnitude across a grid), answers them between its own training steps, merges finished runs
// into the results file now and then, and prints the closing lines. With a search scheduler it
// hands out what the scheduler asks for (TrialSchedule): with a synchronous scheduler a group that
// finds the current rungs' trials all taken waits until a rung is complete and the next decided;
// with ASHA it waits only while nothing can be promoted and every trial has started.
import Foundation
import SobolevExperiment
import SobolevStore

final class SweepCoordinator {
    let world: any Communicator
    let plan: SweepPlan
    let experiment: Experiment
    let store: ResultsStore
    let options: SweepOptions
    var queue: [Int]
    var running: [Int: Int] = [:]     // group -> run index
    var stoppedGroups = Set<Int>()
    var progress: ProgressReporter
    var lastMerge = DispatchTime.now()
    /// The signal that stopped the sweep (0: none); then no run is handed out any more.
    var stopSignal: Int32 = 0
    var interrupted: [String] = []
    /// Finished runs left unmerged at a stop, and the seconds their merge would have taken.
    var unmergedAtStop: (runs: Int, seconds: Double)?
    /// A search scheduler's trials and rungs (nil: every pending run is trained to its end).
    var schedule: TrialSchedule?
    /// Leaders waiting for the current rung to finish before the next one has work (search only).
    var deferred: [Int: Int] = [:]   // group -> leader rank
    /// Counts the events after which the schedule may have work again (a trial finished or was
    /// halted, a stop): group 0 asks the scheduler again only after one, not on every poll.
    var scheduleEvents = 0

    init(world: any Communicator, plan: SweepPlan, experiment: Experiment, store: ResultsStore, options: SweepOptions) {
        self.world = world; self.plan = plan; self.experiment = experiment; self.store = store; self.options = options
        queue = plan.pending
        if let scheduler = experiment.search.scheduler {
            let s = TrialSchedule(scheduler: scheduler, runs: plan.runs)
            s.metricName = experiment.search.metric ?? ""
            do { try s.load(from: store) } catch { world.fail("reading the search's stored results from \(store.path): \(error)") }
            schedule = s
            queue = []
        }
        progress = ProgressReporter(total: schedule?.remainingJobs ?? plan.pending.count)
    }

    /// Trains group 0's runs, serving the other leaders between steps, then merges and summarises.
    func run(_ trainer: GroupTrainer) -> SweepOutcome {
        if let schedule {
            print("experiment \(experiment.name): search \(schedule.description); \(schedule.remainingJobs) rung results to come on \(plan.groupsText); results: \(store.path)")
        } else {
            print("experiment \(experiment.name): \(plan.runs.count) runs, \(plan.completedCount) stored, \(plan.pending.count) to train on \(plan.groupsText); results: \(store.path)")
        }
        while let job = trainer.nextFromLeader(nextForGroup0()) {
            guard let r = trainer.train(job, stopAsked: { self.poll(); return self.stopSignal != 0 }) else {
                halted(group: 0, index: job.index)
                requestStop(trainer.stopSignal)
                continue
            }
            finished(group: 0, index: job.index, ok: r.status != .failed, detail: metricSummary(r))
            poll()
        }
        serveRemoteGroups()
        if let schedule, schedule.finished, stopSignal == 0 {
            // Finished: no trial continues, so the stopped trials' states go.
            for id in store.checkpointedRuns() { store.removeCheckpoint(of: id) }
        }
        do {
            if mergeFitsBeforeKill() { try store.consolidate() }
            if stopSignal != 0 { try store.replaceWithEmptyFile() }   // --force, stopped before any run was merged
        } catch { world.fail("merging results into \(store.path): \(error)") }
        return summary()
    }

    /// Whether the closing merge can end before mpirun kills the ranks after a stop (otherwise the
    /// kill would cut it: nothing lost, but no closing lines, and the lock and a temporary file
    /// left). Else the finished runs stay in the parts folder for the next command to merge.
    func mergeFitsBeforeKill() -> Bool {
        guard stopSignal != 0, let left = StopSignals.secondsUntilKill() else { return true }
        let estimate = store.mergeEstimate()
        // Room for the closing lines, the lock and MPI_Finalize.
        guard estimate > left - 0.2 else { return true }
        unmergedAtStop = (store.unmergedCount, estimate)
        return false
    }

    func groupRanks(_ g: Int) -> String {
        let ranks = plan.ranks(ofGroup: g)
        return ranks.count == 1 ? "rank \(ranks.lowerBound)" : "ranks \(ranks.lowerBound)-\(ranks.upperBound)"
    }

    /// The next job for group `g`, or nil when there is none now (for a search, the next rung
    /// may still bring some: `searchWaits`).
    func assign(group g: Int) -> Job? {
        var job: Job
        if let schedule {
            guard stopSignal == 0, let next = schedule.next() else { return nil }
            schedule.inFlight.insert(next.trial)
            job = Job(index: next.trial, rung: next.rung, previous: schedule.previous(next.trial, before: next.rung))
        } else {
            guard !queue.isEmpty else { return nil }
            job = Job(index: queue.removeFirst())
        }
        running[g] = job.index
        if options.verbose { print("group \(g) (\(groupRanks(g))): start \(jobLabel(job))") }
        return job
    }

    /// A search whose current rung is still being trained elsewhere: a free group waits for it.
    var searchWaits: Bool {
        guard let schedule, stopSignal == 0 else { return false }
        return !schedule.finished
    }

    /// Group 0's next job: for a search, waits (serving the others) while the rung finishes.
    func nextForGroup0() -> Job? {
        while true {
            if let job = assign(group: 0) { return job }
            guard searchWaits else { return nil }
            let seen = scheduleEvents
            while scheduleEvents == seen {
                poll()
                usleep(500)
            }
        }
    }

    func jobLabel(_ job: Job) -> String {
        let label = plan.runs[job.index].label
        guard let rung = job.rung, let budget = schedule?.ladder[rung] else { return label }
        return "\(label) rung=\(rung) epochs=\(budget)"
    }

    /// Answers the leaders that wait for the next rung: a job, or stop once the search is over.
    func answerDeferred() {
        for (g, source) in deferred.sorted(by: { $0.key < $1.key }) {
            if let job = assign(group: g) {
                world.send(job.message, to: source, tag: Tag.assignment)
            } else if searchWaits {
                continue
            } else {
                stoppedGroups.insert(g)
                world.send("STOP", to: source, tag: Tag.assignment)
            }
            deferred[g] = nil
        }
    }

    /// Stops handing out runs and tells every other running group to checkpoint and stop.
    func requestStop(_ signal: Int32) {
        guard stopSignal == 0 else { return }
        scheduleEvents += 1
        stopSignal = signal == 0 ? SIGTERM : signal
        queue.removeAll()
        print("\(StopSignals.name(stopSignal)): stopping; running runs are checkpointed at their next step (a second signal ends at once)")
        for g in running.keys where g != 0 { world.send("HALT", to: plan.leader(ofGroup: g), tag: Tag.halt) }
        answerDeferred()
    }

    func halted(group g: Int, index: Int) {
        scheduleEvents += 1
        running[g] = nil
        schedule?.inFlight.remove(index)
        interrupted.append(plan.runs[index].label)
    }

    func finished(group g: Int, index: Int, ok: Bool, detail: String) {
        scheduleEvents += 1
        running[g] = nil
        var label = plan.runs[index].label
        if let schedule {
            // The trial's part is saved (before its DONE): the stored metrics decide the next rung.
            schedule.inFlight.remove(index)
            do { try schedule.reload(index, from: store) } catch { world.fail("reading the search's stored results from \(store.path): \(error)") }
            if let reached = schedule.metrics[index]?.count, let budget = schedule.budgets(of: index).prefix(reached).last {
                label += " rung=\(schedule.ladder.firstIndex(of: budget)!) epochs=\(budget)"
            }
        }
        if let schedule { progress.total = progress.done + 1 + schedule.remainingJobs }
        progress.finished(label, ok: ok, detail: detail, running: running.count)
        if schedule != nil { answerDeferred() }
    }

    /// Answers one leader's message.
    func handle(_ bytes: [UInt8], from source: Int) {
        let text = String(decoding: bytes, as: UTF8.self)
        let g = plan.group(ofRank: source)
        let parts = text.split(separator: " ", maxSplits: 4).map(String.init)
        if parts[0] == "DONE", parts.count >= 3, let i = Int(parts[1]) {
            finished(group: g, index: i, ok: RunStatus(rawValue: parts[2]) != .failed, detail: parts.count > 4 ? parts[4] : "")
        } else if parts[0] == "HALTED", parts.count == 3, let i = Int(parts[1]), let signal = Int32(parts[2]) {
            halted(group: g, index: i)
            requestStop(signal)
        }
        if let job = assign(group: g) {
            world.send(job.message, to: source, tag: Tag.assignment)
        } else if searchWaits {
            deferred[g] = source
        } else {
            stoppedGroups.insert(g)
            world.send("STOP", to: source, tag: Tag.assignment)
        }
    }

    /// Answers every waiting message (between training steps), and merges finished runs now and then.
    func poll() {
        if StopSignals.pending != 0 { requestStop(StopSignals.pending) }
        while world.hasMessage(from: nil, tag: Tag.request) {
            let m = world.receive(from: nil, tag: Tag.request)
            handle(m.bytes, from: m.source)
        }
        mergeIfDue()
    }

    /// Waits until every other group has been told to stop (watching for signals meanwhile).
    func serveRemoteGroups() {
        while stoppedGroups.count < plan.groups - 1 {
            poll()
            usleep(500)
        }
    }

    func mergeIfDue() {
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - lastMerge.uptimeNanoseconds) / 1e9
        guard elapsed >= options.consolidateEvery else { return }
        lastMerge = DispatchTime.now()
        // Other groups may be saving parts right now: the parts folder stays.
        do { try store.consolidate(removeEmptyParts: false) } catch {
            print("warning: merging finished runs into \(store.path) failed (will retry): \(error)")
        }
    }

    /// After a signal: the runs checkpointed mid-run and the command that continues.
    func printStopped() {
        let launcher = Sweep.launcher(ranks: world.size)
        // --force has replaced the file once something was merged: resuming takes it without.
        let forced = options.replace && !store.replacing
        print("stopped by \(StopSignals.name(stopSignal)): \(interrupted.count) run(s) checkpointed mid-run\(interrupted.isEmpty ? "" : " (" + interrupted.joined(separator: ", ") + ")"); to continue, run \(forced ? "it again without --force" : "the same command again"): \(launcher)\(Sweep.resumeCommand(droppingForce: forced))\(launcher.isEmpty ? "" : "  (with the launcher's own options you gave, which a rank cannot see)")")
    }

    /// The closing lines: what is stored, timing, and after a signal how to continue.
    func summary() -> SweepOutcome {
        if let (runs, seconds) = unmergedAtStop {
            // Not the stored runs' statuses: reading every part takes about as long as merging them.
            print(String(format: "results: %@  (%d finished run(s) wait in %@: mpirun kills the ranks %g s after the signal (odls_base_sigkill_timeout), too soon to merge them (about %.1f s); the next command merges them first)",
                         store.path, runs, store.partsDirectory, StopSignals.killTimeout(), seconds))
            printStopped()
            return SweepOutcome(completed: plan.completedCount + progress.done - progress.failed, failed: plan.failedCount + progress.failed, stopSignal: stopSignal)
        }
        let stored = (try? store.storedRuns()) ?? [:]
        let completed = experiment.runs.filter { stored[$0.id] == .completed }.count
        let failed = experiment.runs.filter { stored[$0.id] == .failed }.count
        let stopped = experiment.runs.filter { stored[$0.id] == .stopped }.count
        let stoppedText = schedule == nil ? "" : "\(stopped) stopped by the search, "
        // Trials a stopped search has promoted are "stopped" at their last rung until they continue.
        let searchLeft = schedule.map { $0.finished ? "" : "; the search is not finished: \($0.remainingJobs) rung result(s) to come" } ?? ""
        print("results: \(store.path)  (\(completed) completed, \(failed) failed, \(stoppedText)\(experiment.runs.count - completed - failed - stopped) missing of \(experiment.runs.count)\(searchLeft))")
        if stopSignal != 0 {
            printStopped()
            return SweepOutcome(completed: completed, failed: failed, stopSignal: stopSignal)
        }
        if !plan.pending.isEmpty, let t = try? store.timing(of: plan.pending.map { experiment.runs[$0].id }) {
            // Rank-seconds of the job (ranks x elapsed) split into: training loops (for groups of
            // several ranks, with the part spent in their all-reduces); the rest of each run (data
            // generation, final metrics); and the harness (scheduling, HDF5 writes and merges,
            // idle ranks at the end of the grid).
            let elapsed = progress.elapsed
            let available = elapsed * Double(world.size)
            let harness = max(available - t.wall, 0)
            func percentOfTraining(_ x: Double) -> Double { 100 * x / max(t.train, 1e-9) }
            let allReduce = t.allReduce > 0
                ? String(format: " (all-reduces, waiting for the slower ranks included, %.2f rank-s: %.1f%%)", t.allReduce, percentOfTraining(t.allReduce)) : ""
            print(String(format: "timing: %.2f s elapsed on %d rank(s); training %.2f rank-s%@; data and metrics %.2f rank-s (%.2f%%); harness (scheduling, HDF5, idle) %.2f rank-s (%.2f%% of training); parallel efficiency %.1f%%",
                         elapsed, world.size, t.train, allReduce, t.wall - t.train, percentOfTraining(t.wall - t.train),
                         harness, percentOfTraining(harness), 100 * t.train / max(available, 1e-9)))
        }
        return SweepOutcome(completed: completed, failed: failed, stopSignal: 0)
    }
}
