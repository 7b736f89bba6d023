// One writer per output file: `sweep`/`run` on a results file and `data` on a data file merge
// parts into their output, and two commands on the same output would do the work twice and merge
// over each other's merges.
import Foundation

/// An exclusive flock on a lock file beside the output (OUT.lock). The kernel releases it when
/// the process dies, so a lock file that a kill left behind is taken over (also one another user
/// left: it is then opened read-only, which flock needs no more than); the file holds the holder's
/// host and pid for the refusal's message, and the holder alone removes it (`release`, also when
/// `OnFailure` ends the process). Touched by one thread.
public final class WriterLock: @unchecked Sendable {
    public let path: String
    private var descriptor: Int32 = -1

    public init(path: String) { self.path = path }

    /// Takes the lock or throws "OUTPUT: is being written by another command (sobolev run, host h,
    /// pid p)", the holder's own words (a `data` may meet a `run` on one --out); `who` names this
    /// command's kind when the holder left none. A file
    /// system or folder that takes no lock file goes on unprotected, with a warning.
    public func acquire(for output: String, by who: String) throws {
        while true {
            var fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o666)
            var failure = errno
            if fd < 0 && failure == EACCES {
                fd = open(path, O_RDONLY | O_CLOEXEC)
                if fd < 0 && errno != ENOENT { failure = errno }
            }
            guard fd >= 0 else {
                // A folder one may read but not write (a finished sweep looked at again) goes on
                // unprotected; an --out that cannot be (a file as its folder) is an error.
                let why = String(cString: strerror(failure))
                if failure == EACCES || failure == EROFS { return warn("cannot create it (\(why))", output) }
                throw WriterLockError(message: "\(path): cannot create the lock file: \(why)")
            }
            guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
                // Lustre mounted without -o flock answers ENOSYS: unprotected, not stopped.
                if errno != EWOULDBLOCK && errno != EAGAIN {
                    let why = String(cString: strerror(errno))
                    close(fd)
                    return warn("the file system takes no lock (\(why))", output)
                }
                let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
                close(fd)
                throw WriterLockError(message: "\(output): is being written by another \(holder.isEmpty ? who : "command (\(holder))"); wait for it, or choose another --out")
            }
            // The holder before us may have removed the file between our open and our flock:
            // then the lock is on a file nobody else opens, and we try again.
            var held = stat(), named = stat()
            if fstat(fd, &held) == 0, stat(path, &named) == 0, held.st_ino == named.st_ino, held.st_dev == named.st_dev {
                let command = CommandLine.arguments.prefix(2).enumerated().map { $0.offset == 0 ? URL(fileURLWithPath: $0.element).lastPathComponent : $0.element }
                let text = "\(command.joined(separator: " ")), host \(ProcessInfo.processInfo.hostName), pid \(getpid())\n"
                _ = ftruncate(fd, 0)
                _ = text.withCString { write(fd, $0, strlen($0)) }
                descriptor = fd
                OnFailure.register { [self] in release() }
                return
            }
            close(fd)
        }
    }

    /// Removes the lock file and releases the lock (nothing when not held).
    public func release() {
        guard descriptor >= 0 else { return }
        unlink(path)
        close(descriptor)
        descriptor = -1
    }

    private func warn(_ why: String, _ output: String) {
        FileHandle.standardError.write(Data("warning: \(path): \(why); nothing keeps a second command off \(output)\n".utf8))
    }
}

public struct WriterLockError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// What a process undoes before a failure ends it (a held lock): registered by whoever made it.
public enum OnFailure {
    private final class Actions: @unchecked Sendable {
        let lock = NSLock()
        var list: [@Sendable () -> Void] = []
    }
    private static let actions = Actions()

    public static func register(_ action: @escaping @Sendable () -> Void) {
        actions.lock.lock(); actions.list.append(action); actions.lock.unlock()
    }

    /// Runs and forgets the registered actions (the process ends next).
    public static func run() {
        actions.lock.lock(); let list = actions.list; actions.list = []; actions.lock.unlock()
        for action in list { action() }
    }
}
