// Writing exported files: all or nothing, never over an existing file unless asked, never over a
// folder. Each file is written under a temporary name first and moved into place at the end.
import Foundation

public enum OutputFiles {
    /// Writes every (path, bytes) pair. Without `replace` an existing path is an error and nothing is
    /// written; a folder is never replaced.
    public static func write(_ files: [(path: String, bytes: [UInt8])], replace: Bool) throws {
        for f in files { try checkWritable(f.path, replace: replace) }
        var temporary: [String] = []
        defer { for t in temporary { unlink(t) } }
        for f in files {
            let tmp = f.path + ".tmp-\(ProcessInfo.processInfo.processIdentifier)"
            guard FileManager.default.createFile(atPath: tmp, contents: Data(f.bytes)) else {
                throw ExportError(message: "\(f.path): cannot write \(tmp) (\(String(cString: strerror(errno))))")
            }
            temporary.append(tmp)
        }
        var placed: [String] = []
        for (f, tmp) in zip(files, temporary) {
            // link refuses an existing name (a file that appeared meanwhile is not overwritten).
            let moved = replace ? rename(tmp, f.path) == 0 : link(tmp, f.path) == 0
            guard moved else {
                let why = errno == EEXIST ? "exists already; not overwritten (use --force to replace it)" : String(cString: strerror(errno))
                if !replace { for p in placed { unlink(p) } }
                throw ExportError(message: "\(f.path): \(why)")
            }
            placed.append(f.path)
        }
    }

    /// The one-line reason `path` cannot be written, or nil.
    public static func problem(_ path: String, replace: Bool) -> String? {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) {
            if isFolder.boolValue { return "\(path) is a folder; give a file name (--force never removes a folder)" }
            if !replace { return "\(path) exists already; not overwritten (use --force to replace it)" }
        }
        let parent = URL(fileURLWithPath: path).deletingLastPathComponent().path
        if !FileManager.default.fileExists(atPath: parent, isDirectory: &isFolder) || !isFolder.boolValue {
            return "\(path): folder \(parent) does not exist"
        }
        return nil
    }

    static func checkWritable(_ path: String, replace: Bool) throws {
        if let why = problem(path, replace: replace) { throw ExportError(message: why) }
    }
}

/// Why an export or an output file could not be written (one line).
public struct ExportError: Error, CustomStringConvertible {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}
