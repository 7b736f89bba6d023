// One writer per output file: `sweep`/`run` on a results file and `data` on a data file merge
// parts into their output, and two commands on the same output would do the work twice and merge
// over each other's merges.
import Foundation

/// An exclusive flock on a lock file beside the output (OUT.lock). The kernel releases it when
/// the process dies, so a lock file that a kill left behind is taken over; the file holds the
/// holder's host and pid for the refusal's message, and `release` removes it.
public final class WriterLock {
    public let path: String
    private var descriptor: Int32 = -1

    public init(path: String) { self.path = path }

    /// Takes the lock or throws "OUTPUT: is being written by another <who> (host h, pid p)".
    public func acquire(for output: String, by who: String) throws {
        while true {
            let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else {
                throw WriterLockError(message: "\(path): cannot create the lock file: \(String(cString: strerror(errno)))")
            }
            guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
                // A file system without locks (Lustre mounted without -o flock: ENOSYS) must not
                // stop every sweep: the command goes on unprotected, and says so.
                if errno != EWOULDBLOCK && errno != EAGAIN {
                    let why = String(cString: strerror(errno))
                    close(fd); unlink(path)
                    FileHandle.standardError.write(Data("warning: \(path): the file system takes no lock (\(why)); nothing keeps a second command off \(output)\n".utf8))
                    return
                }
                let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
                close(fd)
                throw WriterLockError(message: "\(output): is being written by another \(who)\(holder.isEmpty ? "" : " (\(holder))"); wait for it, or choose another --out")
            }
            // The holder before us may have removed the file between our open and our flock:
            // then the lock is on a file nobody else opens, and we try again.
            var held = stat(), named = stat()
            if fstat(fd, &held) == 0, stat(path, &named) == 0, held.st_ino == named.st_ino, held.st_dev == named.st_dev {
                let text = "host \(ProcessInfo.processInfo.hostName), pid \(getpid())\n"
                _ = ftruncate(fd, 0)
                _ = text.withCString { write(fd, $0, strlen($0)) }
                descriptor = fd
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
}

public struct WriterLockError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
