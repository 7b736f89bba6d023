// The communication layer, in the spirit of mpi4py: a small protocol with an Open MPI
// implementation and a single-process one (the core's SoloGroup).
import Foundation
import SobolevCore
import SobolevStore

/// A group of processes that can sum buffers, broadcast, exchange small messages and split.
/// Refines the core's `ReductionGroup` (all the trainer needs is `allReduceSum`).
public protocol Communicator: ReductionGroup {
    /// Every rank gets rank `root`'s `value`.
    func broadcast(_ value: inout [Int64], root: Int)
    /// Every rank gets rank `root`'s bytes (sizes may differ before the call).
    func broadcast(bytes: inout [UInt8], root: Int)
    /// Sends a small message (bytes) to `destination` with `tag`.
    func send(_ bytes: [UInt8], to destination: Int, tag: Int)
    /// Receives the next message from anyone (or `source`), blocking; returns bytes, source, tag.
    func receive(from source: Int?, tag: Int?) -> (bytes: [UInt8], source: Int, tag: Int)
    /// Whether a message is waiting (never blocks).
    func hasMessage(from source: Int?, tag: Int?) -> Bool
    /// Sub-communicators of the ranks with the same `color`, ordered by `key`.
    func split(color: Int, key: Int) -> any Communicator
    func barrier()
    /// Ends every process of the job with `code` (used when one rank hits bad input, so that
    /// no other rank waits forever).
    func abort(code: Int32) -> Never
}

extension Communicator {
    public func send(_ text: String, to destination: Int, tag: Int) { send(Array(text.utf8), to: destination, tag: tag) }
}

/// Broadcasts whose length only the root knows, and ending the whole job on an error.
extension Communicator {
    /// Every rank but `root` resizes `buffer` to root's length (the first half of a
    /// variable-length broadcast; the payload follows).
    func agreeOnLength<T>(_ buffer: inout [T], root: Int, filler: T) {
        var count = [Int64(buffer.count)]
        broadcast(&count, root: root)
        if rank != root { buffer = [T](repeating: filler, count: Int(count[0])) }
    }

    /// Every rank gets rank `root`'s values, whatever length it had before.
    public func broadcast(variable values: inout [Int64], root: Int) {
        guard size > 1 else { return }
        agreeOnLength(&values, root: root, filler: 0)
        broadcast(&values, root: root)
    }

    /// Ends every process of the job with "error (rank r): message" on stderr, so that no rank
    /// waits forever for one that hit bad input or a failed write.
    public func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("error\(size > 1 ? " (rank \(rank))" : ""): \(message)\n".utf8))
        OnFailure.run()
        abort(code: 1)
    }

    /// For an error every rank finds alike (arguments, the experiment file): rank 0 alone reports
    /// it and ends the job; the others wait for that instead of printing the same line.
    public func failAlike(_ message: String) -> Never {
        if rank == 0 { fail(message) }
        barrier()
        fail(message)
    }
}

/// The single-process group of the core is also the single-process communicator (the debug
/// mode, a product feature, not a test double): every collective is the identity.
extension SoloGroup: Communicator {
    public func broadcast(_ value: inout [Int64], root: Int) {}
    public func broadcast(bytes: inout [UInt8], root: Int) {}
    /// A rank never messages itself (rank 0 coordinates its own group directly), so a group of
    /// one has no one to send to.
    public func send(_ bytes: [UInt8], to destination: Int, tag: Int) {
        preconditionFailure("send on a single-process communicator: it has no other rank")
    }
    public func receive(from source: Int?, tag: Int?) -> (bytes: [UInt8], source: Int, tag: Int) {
        preconditionFailure("receive on a single-process communicator: it would wait forever")
    }
    public func hasMessage(from source: Int?, tag: Int?) -> Bool { false }
    public func split(color: Int, key: Int) -> any Communicator { SoloGroup() }
    public func barrier() {}
    /// Ends at once, like MPI_Abort: no exit handlers (HDF5's would try again to close a file
    /// whose writes failed, e.g. on a full disk, and crash).
    public func abort(code: Int32) -> Never {
        fflush(nil)
        _exit(code)
    }
}
