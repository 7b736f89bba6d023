// Whether two paths name the same file: by device and inode, so a symbolic link, a hard link or
// another spelling of the path is the same file. Commands compare their outputs with their
// inputs this way before writing (--force never replaces an input).
import Foundation

public enum FileIdentity {
    /// Device and inode of the file `path` names (links followed), or nil when it does not exist.
    static func of(_ path: String) -> (device: UInt64, inode: UInt64)? {
        var s = stat()
        guard !path.isEmpty, stat(path, &s) == 0 else { return nil }
        return (UInt64(s.st_dev), UInt64(s.st_ino))
    }

    /// True when both paths exist and are one file.
    public static func same(_ a: String, _ b: String) -> Bool {
        guard let x = of(a), let y = of(b) else { return false }
        return x == y
    }

    /// The first of `inputs` that `output` would replace, or nil.
    public static func input(among inputs: [String], replacedBy output: String) -> String? {
        guard of(output) != nil else { return nil }
        return inputs.first { same(output, $0) }
    }
}
