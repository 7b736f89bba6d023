// Open MPI behind the Communicator protocol. Only this file and the C shim know MPI.
import CMPI
import Foundation
import SobolevCore

/// Starting and ending MPI for this process.
public enum MPIRuntime {
    /// Whether this process was started by a launcher (mpirun, mpiexec, srun): then MPI is
    /// initialised; otherwise the single-process communicator is used and MPI is never touched.
    public static var launchedByLauncher: Bool {
        let env = ProcessInfo.processInfo.environment
        return ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "SLURM_PROCID"].contains { env[$0] != nil }
    }

    /// The world communicator: MPI's when launched by a launcher, else a single process.
    public static func world() -> any Communicator {
        guard launchedByLauncher else { return SoloGroup() }
        var initialized: Int32 = 0
        MPI_Initialized(&initialized)
        if initialized == 0 { MPI_Init(nil, nil) }
        // One BLAS thread per rank unless asked otherwise: ranks already fill the cores.
        if ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"] == nil { BLAS.setThreads(1) }
        // Errors come back as codes (checked below) instead of aborting inside MPI.
        MPI_Comm_set_errhandler(sobolev_mpi_comm_world(), sobolev_mpi_errors_return())
        return MPICommunicator(sobolev_mpi_comm_world(), owned: false)
    }

    /// Ends MPI if it was started.
    public static func finalize() {
        var initialized: Int32 = 0, finalized: Int32 = 0
        MPI_Initialized(&initialized); MPI_Finalized(&finalized)
        if initialized != 0 && finalized == 0 { MPI_Finalize() }
    }
}

/// An MPI communicator. Point-to-point messages are small byte strings (the coordinator's
/// protocol); the Sobolev gradients travel in one MPI_Allreduce of doubles per step.
public final class MPICommunicator: Communicator {
    let comm: MPI_Comm
    let owned: Bool
    public let rank: Int
    public let size: Int

    init(_ comm: MPI_Comm, owned: Bool) {
        self.comm = comm; self.owned = owned
        var r: Int32 = 0, s: Int32 = 0
        MPI_Comm_rank(comm, &r); MPI_Comm_size(comm, &s)
        rank = Int(r); size = Int(s)
    }

    deinit {
        var c: MPI_Comm? = comm
        if owned { MPI_Comm_free(&c) }
    }

    private func check(_ code: Int32, _ what: String) {
        guard code != 0 else { return }
        var buffer = [CChar](repeating: 0, count: 1024)
        var length: Int32 = 0
        MPI_Error_string(code, &buffer, &length)
        let message = String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        FileHandle.standardError.write(Data("rank \(rank): \(what) failed: \(message)\n".utf8))
        abort(code: 3)
    }

    public func allReduceSum(_ buffer: inout [Double]) {
        guard size > 1 else { return }
        let n = Int32(buffer.count)
        let code = buffer.withUnsafeMutableBufferPointer { p in
            MPI_Allreduce(sobolev_mpi_in_place(), p.baseAddress, n, sobolev_mpi_double(), sobolev_mpi_sum(), comm)
        }
        check(code, "MPI_Allreduce")
    }

    public func broadcast(_ value: inout [Int64], root: Int) {
        guard size > 1 else { return }
        let n = Int32(value.count)
        check(value.withUnsafeMutableBufferPointer { MPI_Bcast($0.baseAddress, n, sobolev_mpi_int64(), Int32(root), comm) }, "MPI_Bcast")
    }

    public func broadcast(bytes: inout [UInt8], root: Int) {
        guard size > 1 else { return }
        agreeOnLength(&bytes, root: root, filler: 0)
        let n = Int32(bytes.count)
        check(bytes.withUnsafeMutableBufferPointer { MPI_Bcast($0.baseAddress, n, sobolev_mpi_byte(), Int32(root), comm) }, "MPI_Bcast")
    }

    public func send(_ bytes: [UInt8], to destination: Int, tag: Int) {
        let n = Int32(bytes.count)
        check(bytes.withUnsafeBufferPointer { MPI_Send($0.baseAddress, n, sobolev_mpi_byte(), Int32(destination), Int32(tag), comm) }, "MPI_Send")
    }

    public func receive(from source: Int?, tag: Int?) -> (bytes: [UInt8], source: Int, tag: Int) {
        var status = MPI_Status()
        check(MPI_Probe(Int32(source ?? Int(sobolev_mpi_any_source())), Int32(tag ?? Int(sobolev_mpi_any_tag())), comm, &status), "MPI_Probe")
        var count: Int32 = 0
        MPI_Get_count(&status, sobolev_mpi_byte(), &count)
        var bytes = [UInt8](repeating: 0, count: Int(count))
        let code = bytes.withUnsafeMutableBufferPointer {
            MPI_Recv($0.baseAddress, count, sobolev_mpi_byte(), status.MPI_SOURCE, status.MPI_TAG, comm, sobolev_mpi_status_ignore())
        }
        check(code, "MPI_Recv")
        return (bytes, Int(status.MPI_SOURCE), Int(status.MPI_TAG))
    }

    public func hasMessage(from source: Int?, tag: Int?) -> Bool {
        var flag: Int32 = 0
        var status = MPI_Status()
        check(MPI_Iprobe(Int32(source ?? Int(sobolev_mpi_any_source())), Int32(tag ?? Int(sobolev_mpi_any_tag())), comm, &flag, &status), "MPI_Iprobe")
        return flag != 0
    }

    public func split(color: Int, key: Int) -> any Communicator {
        var newComm: MPI_Comm? = nil
        check(MPI_Comm_split(comm, Int32(color), Int32(key), &newComm), "MPI_Comm_split")
        MPI_Comm_set_errhandler(newComm, sobolev_mpi_errors_return())
        return MPICommunicator(newComm!, owned: true)
    }

    public func barrier() { check(MPI_Barrier(comm), "MPI_Barrier") }

    public func abort(code: Int32) -> Never {
        MPI_Abort(sobolev_mpi_comm_world(), code)
        exit(code)
    }
}
