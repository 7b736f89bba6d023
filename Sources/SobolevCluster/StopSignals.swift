// SIGTERM, SIGINT and SIGUSR1 ask a sweep to stop cleanly: the handler only records the signal,
// and the sweep looks at it between training steps (docs/design.md, "Stopping"). A second signal
// ends the process at once: every file on disk is complete at any moment (temporary names and
// renames), so nothing finished is damaged.
import Foundation
import Synchronization

public enum StopSignals {
    /// The signals that ask for a clean stop.
    public static let handled: [Int32] = [SIGTERM, SIGINT, SIGUSR1]

    /// Installs the handlers (once per process; after MPI_Init, which installs its own for others).
    public static func install() {
        // A launcher may start us with these signals blocked (the mask is inherited): unblock.
        var set = sigset_t()
        sigemptyset(&set)
        for s in handled { sigaddset(&set, s) }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        // Open MPI's mpirun stops reading the ranks' output when it gets SIGTERM or SIGINT, and
        // passes the signal on only 1 s (odls_base_sigkill_timeout) later: a rank that filled its
        // output pipe meanwhile would stay blocked in a progress line, stop nothing and be killed.
        // Its output is then lost anyway, so from such a signal on it is written without waiting
        // (O_NONBLOCK: a full pipe drops the line). Only under mpirun's daemons, whose pipes the
        // rank owns alone: a terminal shared with the shell must never be left non-blocking.
        stopWithoutWaitingForOutput.store(ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_SIZE"] != nil, ordering: .relaxed)
        for s in handled {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { signal in
                if received.exchange(signal, ordering: .relaxed) != 0 { _exit(128 + signal) }
                receivedAt.store(monotonicNanoseconds(), ordering: .relaxed)   // clock_gettime is async-signal-safe
                if signal != SIGUSR1 && stopWithoutWaitingForOutput.load(ordering: .relaxed) {
                    // fcntl is async-signal-safe; a write blocked now restarts and finds the flag.
                    for fd: Int32 in [1, 2] { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
                }
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_RESTART
            sigaction(s, &action, nil)
        }
    }

    /// The first signal received, or 0.
    public static var pending: Int32 { received.load(ordering: .relaxed) }

    /// Seconds left before the launcher kills this process, when it will: Open MPI's mpirun sends
    /// SIGTERM (also for SIGINT it was given) and SIGKILL odls_base_sigkill_timeout seconds later
    /// (default 1; its ranks see the value in their environment when it was set). nil when no
    /// SIGTERM or SIGINT came or mpirun did not start this process (srun: Slurm's KillWait, which
    /// a task cannot see, default 30 s; alone: nothing kills).
    public static func secondsUntilKill(environment: [String: String] = ProcessInfo.processInfo.environment) -> Double? {
        let signal = pending
        guard signal == SIGTERM || signal == SIGINT, startedByMpirun(environment) else { return nil }
        return killTimeout(environment) - Double(monotonicNanoseconds() &- receivedAt.load(ordering: .relaxed)) / 1e9
    }

    /// Whether Open MPI's mpirun started this process: its ranks see the address of its daemon
    /// (OMPI_MCA_orte_hnp_uri), also with one rank; a task of srun does not.
    static func startedByMpirun(_ environment: [String: String]) -> Bool { environment["OMPI_MCA_orte_hnp_uri"] != nil }

    /// Seconds mpirun waits between SIGTERM and SIGKILL, as the ranks see it (default 1).
    public static func killTimeout(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Double {
        environment["OMPI_MCA_odls_base_sigkill_timeout"].flatMap { Double($0) } ?? 1
    }

    /// The exit status after a clean stop on `signal`: 128 + its number, as a shell reports it.
    public static func exitStatus(_ signal: Int32) -> Int32 { 128 + signal }

    public static func name(_ signal: Int32) -> String {
        switch signal {
        case SIGTERM: return "SIGTERM"
        case SIGINT: return "SIGINT"
        case SIGUSR1: return "SIGUSR1"
        default: return "signal \(signal)"
        }
    }
}

private let received = Atomic<Int32>(0)
private let stopWithoutWaitingForOutput = Atomic<Bool>(false)
private let receivedAt = Atomic<UInt64>(0)

private func monotonicNanoseconds() -> UInt64 {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec)
}
