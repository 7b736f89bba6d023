// A thin, typed layer over the HDF5 C library: files, groups, attributes and datasets of float64,
// int64 and UTF-8 strings. Handles close themselves; every failure names the file and the object.
import CHDF5
import Foundation

public struct HDF5Error: Error, CustomStringConvertible {
    public let file: String
    public let object: String
    public let message: String
    public var description: String { "\(file): \(object.isEmpty ? "" : "\(object): ")\(message)" }

    public init(file: String, object: String, message: String) {
        self.file = file; self.object = object; self.message = message
    }
}

/// The operating system's reason for a failure inside HDF5 (a full disk, a quota, a read-only
/// mount): "" when the call set no errno. Callers clear errno before the HDF5 call.
func systemReason() -> String {
    errno == 0 ? "" : ": \(String(cString: strerror(errno)))"
}

/// Text of a NUL-terminated C buffer.
func cText(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// Owns one HDF5 identifier and closes it with the matching H5*close.
final class H5Handle {
    let id: hid_t
    private let close: (hid_t) -> herr_t
    init(_ id: hid_t, close: @escaping (hid_t) -> herr_t) { self.id = id; self.close = close }
    deinit { if id >= 0 { _ = close(id) } }
}

/// What groups and datasets share: a handle, a place in a file, and attributes.
public class H5Object {
    let handle: H5Handle
    public let file: String
    public let path: String

    init(handle: H5Handle, file: String, path: String) {
        self.handle = handle; self.file = file; self.path = path
    }

    var id: hid_t { handle.id }

    func error(_ object: String, _ message: String) -> HDF5Error {
        HDF5Error(file: file, object: object.isEmpty ? path : (path == "/" ? "/" + object : path + "/" + object), message: message)
    }

    // MARK: Attributes

    public func attributeNames() throws -> [String] {
        var info = H5O_info_t()
        guard H5Oget_info2(id, &info, UInt32(H5O_INFO_NUM_ATTRS)) >= 0 else { throw error("", "cannot read attributes") }
        return (0..<info.num_attrs).map { i in
            let n = H5Aget_name_by_idx(id, ".", H5_INDEX_NAME, H5_ITER_INC, i, nil, 0, sobolev_h5p_default())
            var buffer = [CChar](repeating: 0, count: max(Int(n), 0) + 1)
            _ = H5Aget_name_by_idx(id, ".", H5_INDEX_NAME, H5_ITER_INC, i, &buffer, buffer.count, sobolev_h5p_default())
            return cText(buffer)
        }
    }

    public func hasAttribute(_ name: String) -> Bool { H5Aexists(id, name) > 0 }

    fileprivate func writeAttribute(_ name: String, type: hid_t, dims: [hsize_t]?, _ body: (hid_t) -> herr_t) throws {
        if hasAttribute(name) { H5Adelete(id, name) }
        let space = dims.map { d in d.withUnsafeBufferPointer { H5Screate_simple(Int32(d.count), $0.baseAddress, nil) } }
            ?? H5Screate(H5S_SCALAR)
        defer { H5Sclose(space) }
        let attr = H5Acreate2(id, name, type, space, sobolev_h5p_default(), sobolev_h5p_default())
        guard attr >= 0 else { throw error("", "cannot create attribute \(name)") }
        defer { H5Aclose(attr) }
        guard body(attr) >= 0 else { throw error("", "cannot write attribute \(name)") }
    }

    public func setAttribute(_ name: String, _ value: Double) throws {
        var v = value
        try writeAttribute(name, type: sobolev_h5t_native_double(), dims: nil) { H5Awrite($0, sobolev_h5t_native_double(), &v) }
    }

    public func setAttribute(_ name: String, _ value: Int) throws {
        var v = Int64(value)
        try writeAttribute(name, type: sobolev_h5t_native_int64(), dims: nil) { H5Awrite($0, sobolev_h5t_native_int64(), &v) }
    }

    public func setAttribute(_ name: String, _ values: [Double]) throws {
        try writeAttribute(name, type: sobolev_h5t_native_double(), dims: [hsize_t(values.count)]) { a in
            values.withUnsafeBufferPointer { H5Awrite(a, sobolev_h5t_native_double(), $0.baseAddress) }
        }
    }

    public func setAttribute(_ name: String, _ values: [Int]) throws {
        let v = values.map(Int64.init)
        try writeAttribute(name, type: sobolev_h5t_native_int64(), dims: [hsize_t(v.count)]) { a in
            v.withUnsafeBufferPointer { H5Awrite(a, sobolev_h5t_native_int64(), $0.baseAddress) }
        }
    }

    public func setAttribute(_ name: String, _ value: String) throws {
        let type = H5Group.stringType()
        defer { H5Tclose(type) }
        try writeAttribute(name, type: type, dims: nil) { a in
            value.withCString { cs in
                var p: UnsafePointer<CChar>? = cs
                return H5Awrite(a, type, &p)
            }
        }
    }

    public func setAttribute(_ name: String, _ values: [String]) throws {
        let type = H5Group.stringType()
        defer { H5Tclose(type) }
        let cstrings = values.map { strdup($0) }
        defer { cstrings.forEach { free($0) } }
        var pointers = cstrings.map { UnsafePointer<CChar>($0) }
        try writeAttribute(name, type: type, dims: [hsize_t(values.count)]) { H5Awrite($0, type, &pointers) }
    }

    /// Variable-length UTF-8 strings, as h5py writes them.
    static func stringType() -> hid_t {
        let t = H5Tcopy(sobolev_h5t_c_s1())
        H5Tset_size(t, sobolev_h5t_variable())
        H5Tset_cset(t, H5T_CSET_UTF8)
        return t
    }

    fileprivate func openAttribute(_ name: String) throws -> H5Handle {
        guard hasAttribute(name) else { throw error("", "no attribute \(name)") }
        let a = H5Aopen(id, name, sobolev_h5p_default())
        guard a >= 0 else { throw error("", "cannot open attribute \(name)") }
        return H5Handle(a, close: H5Aclose)
    }

    fileprivate func elementCount(_ space: hid_t) -> Int { Int(H5Sget_simple_extent_npoints(space)) }

    /// A numeric attribute as doubles (scalar or 1-D; integers converted).
    public func doubleAttribute(_ name: String) throws -> [Double] {
        let a = try openAttribute(name)
        let space = H5Aget_space(a.id); defer { H5Sclose(space) }
        let ftype = H5Aget_type(a.id); defer { H5Tclose(ftype) }
        let cls = H5Tget_class(ftype)
        guard cls == H5T_FLOAT || cls == H5T_INTEGER else { throw error("", "attribute \(name) is not numeric") }
        var out = [Double](repeating: 0, count: elementCount(space))
        guard H5Aread(a.id, sobolev_h5t_native_double(), &out) >= 0 else { throw error("", "cannot read attribute \(name)") }
        return out
    }

    /// An integer attribute (scalar or 1-D). Integers are read as int64, exactly (through a
    /// double they would lose digits above 2^53); a float attribute is truncated as before.
    public func intAttribute(_ name: String) throws -> [Int] {
        let a = try openAttribute(name)
        let ftype = H5Aget_type(a.id); defer { H5Tclose(ftype) }
        guard H5Tget_class(ftype) == H5T_INTEGER else { return try doubleAttribute(name).map { Int($0) } }
        let space = H5Aget_space(a.id); defer { H5Sclose(space) }
        var out = [Int64](repeating: 0, count: elementCount(space))
        guard H5Aread(a.id, sobolev_h5t_native_int64(), &out) >= 0 else { throw error("", "cannot read attribute \(name)") }
        return out.map { Int($0) }
    }

    /// A string attribute (variable- or fixed-length; scalar or 1-D).
    public func stringAttribute(_ name: String) throws -> [String] {
        let a = try openAttribute(name)
        let space = H5Aget_space(a.id); defer { H5Sclose(space) }
        let ftype = H5Aget_type(a.id); defer { H5Tclose(ftype) }
        guard H5Tget_class(ftype) == H5T_STRING else { throw error("", "attribute \(name) is not a string") }
        let n = elementCount(space)
        if H5Tis_variable_str(ftype) > 0 {
            let mtype = H5Group.stringType(); defer { H5Tclose(mtype) }
            var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: n)
            guard H5Aread(a.id, mtype, &pointers) >= 0 else { throw error("", "cannot read attribute \(name)") }
            defer { for p in pointers { if let p { H5free_memory(p) } } }
            return pointers.map { $0.map { String(cString: $0) } ?? "" }
        }
        let size = H5Tget_size(ftype)
        var buffer = [CChar](repeating: 0, count: n * size + 1)
        guard H5Aread(a.id, ftype, &buffer) >= 0 else { throw error("", "cannot read attribute \(name)") }
        return (0..<n).map { i in
            let bytes = buffer[(i * size)..<((i + 1) * size)].prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    /// The first (for a scalar attribute: the only) value of a string attribute.
    public func scalarStringAttribute(_ name: String) throws -> String {
        try first(of: stringAttribute(name), name)
    }

    /// The first (for a scalar attribute: the only) value of a numeric attribute, as a double.
    public func scalarDoubleAttribute(_ name: String) throws -> Double {
        try first(of: doubleAttribute(name), name)
    }

    /// The first (for a scalar attribute: the only) value of a numeric attribute, as an integer.
    public func scalarIntAttribute(_ name: String) throws -> Int {
        try first(of: intAttribute(name), name)
    }

    fileprivate func first<T>(of values: [T], _ name: String) throws -> T {
        guard let v = values.first else { throw error("", "attribute \(name) is empty") }
        return v
    }
}

/// A group (or the file's root group) in an open file: links to groups and datasets below it.
public class H5Group: H5Object {
    // MARK: Groups and links

    /// Whether a link of that name (a group or dataset, one level down) exists.
    public func contains(_ name: String) -> Bool { H5Lexists(id, name, sobolev_h5p_default()) > 0 }

    public func createGroup(_ name: String) throws -> H5Group {
        let g = H5Gcreate2(id, name, sobolev_h5p_default(), sobolev_h5p_default(), sobolev_h5p_default())
        guard g >= 0 else { throw error(name, "cannot create group") }
        return H5Group(handle: H5Handle(g, close: H5Gclose), file: file, path: childPath(name))
    }

    public func openGroup(_ name: String) throws -> H5Group {
        guard contains(name) else { throw error(name, "no such group") }
        let g = H5Gopen2(id, name, sobolev_h5p_default())
        guard g >= 0 else { throw error(name, "cannot open group") }
        return H5Group(handle: H5Handle(g, close: H5Gclose), file: file, path: childPath(name))
    }

    /// The group at `name`, created if missing.
    public func group(_ name: String) throws -> H5Group {
        contains(name) ? try openGroup(name) : try createGroup(name)
    }

    /// Names of the links in this group, in name order.
    public func childNames() throws -> [String] {
        var names: [String] = []
        let status = withUnsafeMutablePointer(to: &names) { list in
            sobolev_h5l_names(id, { name, context in
                context!.assumingMemoryBound(to: [String].self).pointee.append(String(cString: name!))
            }, list)
        }
        guard status >= 0 else { throw error("", "cannot list group") }
        return names
    }

    /// Whether the named child is a group (false for datasets).
    public func isGroup(_ name: String) -> Bool {
        var info = H5O_info_t()
        guard H5Oget_info_by_name2(id, name, &info, UInt32(H5O_INFO_BASIC), sobolev_h5p_default()) >= 0 else { return false }
        return info.type == H5O_TYPE_GROUP
    }

    /// Removes the link `name` (the space is reclaimed when the file is rewritten).
    public func remove(_ name: String) throws {
        guard H5Ldelete(id, name, sobolev_h5p_default()) >= 0 else { throw error(name, "cannot delete") }
    }

    /// Copies `name` from `source` (with everything below it) into this group under `newName`.
    public func copy(_ name: String, from source: H5Group, as newName: String? = nil) throws {
        guard H5Ocopy(source.id, name, id, newName ?? name, sobolev_h5p_default(), sobolev_h5p_default()) >= 0 else {
            throw error(newName ?? name, "cannot copy from \(source.file):\(source.path)/\(name)")
        }
    }

    func childPath(_ name: String) -> String { path == "/" ? "/" + name : path + "/" + name }

    // MARK: Datasets

    private func writeDataset(_ name: String, type: hid_t, shape: [Int], compress: Bool, _ body: (hid_t) -> herr_t) throws -> H5Dataset {
        if contains(name) { throw error(name, "dataset exists already") }
        let dims = shape.map { hsize_t($0) }
        let space = dims.withUnsafeBufferPointer { H5Screate_simple(Int32(dims.count), $0.baseAddress, nil) }
        defer { H5Sclose(space) }
        let dcpl = H5Pcreate(sobolev_h5p_dataset_create()); defer { H5Pclose(dcpl) }
        let count = shape.reduce(1, *)
        if compress && count >= 1024 && !shape.contains(0) {
            // Chunked + deflate for the larger arrays (histories, test predictions); whole array one chunk
            // per row block keeps reads simple for h5py and h5dump.
            var chunk = dims
            chunk[0] = Swift.min(dims[0], hsize_t(Swift.max(1, 65536 / Swift.max(1, count / Swift.max(1, shape[0])))))
            chunk.withUnsafeBufferPointer { _ = H5Pset_chunk(dcpl, Int32(chunk.count), $0.baseAddress) }
            H5Pset_deflate(dcpl, 4)
        }
        errno = 0
        let ds = H5Dcreate2(id, name, type, space, sobolev_h5p_default(), dcpl, sobolev_h5p_default())
        guard ds >= 0 else { throw error(name, "cannot create dataset" + systemReason()) }
        let handle = H5Handle(ds, close: H5Dclose)
        guard body(ds) >= 0 else { throw error(name, "cannot write dataset" + systemReason()) }
        return H5Dataset(handle: handle, file: file, path: childPath(name))
    }

    /// Writes a float64 array of the given shape (row-major).
    @discardableResult
    public func write(_ name: String, _ values: [Double], shape: [Int]? = nil, compress: Bool = true) throws -> H5Dataset {
        let shape = shape ?? [values.count]
        precondition(shape.reduce(1, *) == values.count, "\(name): \(values.count) values for shape \(shape)")
        return try writeDataset(name, type: sobolev_h5t_native_double(), shape: shape, compress: compress) { ds in
            values.withUnsafeBufferPointer { H5Dwrite(ds, sobolev_h5t_native_double(), sobolev_h5s_all(), sobolev_h5s_all(), sobolev_h5p_default(), $0.baseAddress) }
        }
    }

    /// Writes an int64 array of the given shape.
    @discardableResult
    public func write(_ name: String, _ values: [Int], shape: [Int]? = nil, compress: Bool = true) throws -> H5Dataset {
        let shape = shape ?? [values.count]
        let v = values.map(Int64.init)
        return try writeDataset(name, type: sobolev_h5t_native_int64(), shape: shape, compress: compress) { ds in
            v.withUnsafeBufferPointer { H5Dwrite(ds, sobolev_h5t_native_int64(), sobolev_h5s_all(), sobolev_h5s_all(), sobolev_h5p_default(), $0.baseAddress) }
        }
    }

    public func openDataset(_ name: String) throws -> H5Dataset {
        guard contains(name) else { throw error(name, "no such dataset") }
        let ds = H5Dopen2(id, name, sobolev_h5p_default())
        guard ds >= 0 else { throw error(name, "cannot open dataset") }
        return H5Dataset(handle: H5Handle(ds, close: H5Dclose), file: file, path: childPath(name))
    }

    /// A numeric dataset as doubles with its shape.
    public func read(_ name: String) throws -> (values: [Double], shape: [Int]) {
        try openDataset(name).read()
    }
}

/// A dataset: its shape, its values, and attributes like a group's.
public final class H5Dataset: H5Object {
    public func shape() -> [Int] {
        let space = H5Dget_space(id); defer { H5Sclose(space) }
        let rank = Int(H5Sget_simple_extent_ndims(space))
        var dims = [hsize_t](repeating: 0, count: rank)
        H5Sget_simple_extent_dims(space, &dims, nil)
        return dims.map { Int($0) }
    }

    public func read() throws -> (values: [Double], shape: [Int]) {
        let shape = shape()
        let t = H5Dget_type(id); defer { H5Tclose(t) }
        let cls = H5Tget_class(t)
        guard cls == H5T_FLOAT || cls == H5T_INTEGER else {
            throw HDF5Error(file: file, object: path, message: "not a numeric dataset")
        }
        // A file may declare any shape (chunks need not exist): refuse what memory cannot hold.
        let count = shape.reduce(1.0) { $0 * Double($1) }
        guard count * 8 <= Double(ProcessInfo.processInfo.physicalMemory) else {
            throw HDF5Error(file: file, object: path, message:
                "shape \(shape) needs \(String(format: "%.0f", count * 8)) bytes, more than the \(ProcessInfo.processInfo.physicalMemory) bytes of this machine's memory")
        }
        var out = [Double](repeating: 0, count: Int(count))
        if !out.isEmpty {
            guard H5Dread(id, sobolev_h5t_native_double(), sobolev_h5s_all(), sobolev_h5s_all(), sobolev_h5p_default(), &out) >= 0 else {
                throw HDF5Error(file: file, object: path, message: "cannot read dataset")
            }
        }
        if cls == H5T_INTEGER && H5Tget_size(t) > 4 && !out.isEmpty { try checkExactIntegers(type: t, count: out.count, shape: shape) }
        return (out, shape)
    }

    /// The position in a row-major array of `shape` of its entry `flat` (what a user looks for,
    /// where a flat index would have to be unravelled by hand).
    public static func position(ofEntry flat: Int, shape: [Int]) -> [Int] {
        var index = [Int](repeating: 0, count: shape.count), rest = flat
        for a in shape.indices.reversed() { index[a] = rest % max(shape[a], 1); rest /= max(shape[a], 1) }
        return index
    }

    /// Doubles hold every integer only up to 2^53: beyond, 64-bit integers are rounded when
    /// converted (2^62 + 0..119 all read as 2^62), so such a dataset is refused, naming its first
    /// entry beyond 2^53 in magnitude, read natively. (Integers of 32 bits or fewer always fit.)
    private func checkExactIntegers(type t: hid_t, count: Int, shape: [Int]) throws {
        let limit: UInt64 = 1 << 53
        let bad: (index: Int, value: String, read: Double)?
        if H5Tget_sign(t) == H5T_SGN_NONE {
            var v = [UInt64](repeating: 0, count: count)
            guard H5Dread(id, sobolev_h5t_native_uint64(), sobolev_h5s_all(), sobolev_h5s_all(), sobolev_h5p_default(), &v) >= 0 else {
                throw HDF5Error(file: file, object: path, message: "cannot read dataset")
            }
            bad = v.firstIndex { $0 > limit }.map { ($0, "\(v[$0])", Double(v[$0])) }
        } else {
            var v = [Int64](repeating: 0, count: count)
            guard H5Dread(id, sobolev_h5t_native_int64(), sobolev_h5s_all(), sobolev_h5s_all(), sobolev_h5p_default(), &v) >= 0 else {
                throw HDF5Error(file: file, object: path, message: "cannot read dataset")
            }
            bad = v.firstIndex { $0.magnitude > limit }.map { ($0, "\(v[$0])", Double(v[$0])) }
        }
        guard let bad else { return }
        let index = H5Dataset.position(ofEntry: bad.index, shape: shape)
        let name = path.split(separator: "/").last.map(String.init) ?? path
        throw HDF5Error(file: file, object: path, message:
            "\(name)[\(index.map(String.init).joined(separator: ", "))] is \(bad.value), an integer beyond 2^53 that a double cannot hold exactly (it would read as \(bad.read)); store the data as floating point or shift them nearer zero")
    }
}

/// An open HDF5 file; its root group.
public final class H5File: H5Group {
    /// Creates a new file; fails if it exists (never overwrites).
    public static func create(_ path: String) throws -> H5File {
        sobolev_h5_silence_errors()
        errno = 0
        let f = H5Fcreate(path, sobolev_h5f_acc_excl(), sobolev_h5p_default(), sobolev_h5p_default())
        guard f >= 0 else {
            let why = errno == 0 || errno == EEXIST || errno == ENOENT ? " (does it exist already, or is the folder missing?)" : systemReason()
            throw HDF5Error(file: path, object: "", message: "cannot create the file" + why)
        }
        return try H5File(fileID: f, path: path)
    }

    public static func open(_ path: String, writable: Bool = false) throws -> H5File {
        sobolev_h5_silence_errors()
        guard FileManager.default.fileExists(atPath: path) else {
            throw HDF5Error(file: path, object: "", message: "no such file")
        }
        guard H5Fis_hdf5(path) > 0 else { throw HDF5Error(file: path, object: "", message: "not an HDF5 file (or damaged)") }
        errno = 0
        let f = H5Fopen(path, writable ? sobolev_h5f_acc_rdwr() : sobolev_h5f_acc_rdonly(), sobolev_h5p_default())
        guard f >= 0 else { throw HDF5Error(file: path, object: "", message: "cannot open the file: " + openFailure(writable: writable)) }
        return try H5File(fileID: f, path: path)
    }

    /// Why H5Fopen failed on a file that starts like HDF5: HDF5's file lock refused (another
    /// process holds the file open for writing, or for anything when we write: EWOULDBLOCK from
    /// flock), the system's reason, or else a file cut short or damaged (HDF5 reads past its end).
    private static func openFailure(writable: Bool) -> String {
        switch errno {
        case EWOULDBLOCK: return "held open \(writable ? "" : "for writing ")by another process (HDF5 file locking); try again when it has finished"
        case 0: return "damaged or truncated (or being written by another process without HDF5 file locking)"
        default: return String(cString: strerror(errno))
        }
    }

    private init(fileID: hid_t, path: String) throws {
        let fileHandle = H5Handle(fileID, close: H5Fclose)
        let root = H5Gopen2(fileID, "/", sobolev_h5p_default())
        guard root >= 0 else { throw HDF5Error(file: path, object: "/", message: "cannot open the root group") }
        self.fileHandle = fileHandle
        super.init(handle: H5Handle(root, close: H5Gclose), file: path, path: "/")
    }

    private let fileHandle: H5Handle

    /// Writes a whole new file at `path` without ever showing a half-written one: the body writes
    /// a temporary file, which is then moved into place. `replace` false refuses an existing file
    /// (a hard link fails atomically when the target exists); true replaces it by rename.
    public static func writeAtomically(_ path: String, replace: Bool = false, _ body: (H5File) throws -> Void) throws {
        let tmp = TemporaryFiles.name(for: path)
        try? FileManager.default.removeItem(atPath: tmp)
        do {
            let f = try H5File.create(tmp)
            try body(f)
            try f.flush()
        } catch {
            try? FileManager.default.removeItem(atPath: tmp)
            throw error
        }
        if replace {
            guard Foundation.rename(tmp, path) == 0 else {
                throw HDF5Error(file: path, object: "", message: "cannot move the new file into place: \(String(cString: strerror(errno)))")
            }
        } else {
            defer { unlink(tmp) }
            guard link(tmp, path) == 0 else {
                let why = errno == EEXIST ? "exists already; not overwritten" : "cannot move the new file into place: \(String(cString: strerror(errno)))"
                throw HDF5Error(file: path, object: "", message: why)
            }
        }
    }

    /// Writes buffered data to disk.
    public func flush() throws {
        errno = 0
        guard H5Fflush(fileHandle.id, H5F_SCOPE_GLOBAL) >= 0 else { throw HDF5Error(file: file, object: "", message: "cannot write the file" + systemReason()) }
    }
}
