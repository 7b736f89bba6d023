// The communication layer, in the spirit of mpi4py: a small protocol with an Open MPI
// implementation and a single-process one (the debug mode, a product feature, not a test double).
import Foundation
import SobolevCore

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

/// One process: every collective is the identity, messages to oneself are queued.
public final class SingleProcessCommunicator: Communicator {
    private var mailbox: [(bytes: [UInt8], tag: Int)] = []
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public func allReduceSum(_ buffer: inout [Double]) {}
    public func broadcast(_ value: inout [Int64], root: Int) {}
    public func broadcast(bytes: inout [UInt8], root: Int) {}
    public func send(_ bytes: [UInt8], to destination: Int, tag: Int) {
        precondition(destination == 0, "a single-process communicator has only rank 0")
        mailbox.append((bytes, tag))
    }
    public func receive(from source: Int?, tag: Int?) -> (bytes: [UInt8], source: Int, tag: Int) {
        guard let i = mailbox.firstIndex(where: { tag == nil || $0.tag == tag }) else {
            fatalError("receive on a single-process communicator with no message queued: it would wait forever")
        }
        let m = mailbox.remove(at: i)
        return (m.bytes, 0, m.tag)
    }
    public func hasMessage(from source: Int?, tag: Int?) -> Bool { mailbox.contains { tag == nil || $0.tag == tag } }
    public func split(color: Int, key: Int) -> any Communicator { SingleProcessCommunicator() }
    public func barrier() {}
    /// Ends at once, like MPI_Abort: no exit handlers (HDF5's would try again to close a file
    /// whose writes failed, e.g. on a full disk, and crash).
    public func abort(code: Int32) -> Never {
        fflush(nil)
        _exit(code)
    }
}
