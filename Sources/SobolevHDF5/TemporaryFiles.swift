// Every file is written whole under a temporary name beside its target and then renamed, so a
// reader never sees half a file. This is the one place that names those temporaries and removes
// the ones a killed writer left behind.
import Foundation

public enum TemporaryFiles {
    static let marker = ".tmp-"

    /// `<target>.tmp-<pid>`: unique per process, recognisable by `removeStale`.
    public static func name(for target: String) -> String {
        target + marker + "\(ProcessInfo.processInfo.processIdentifier)"
    }

    /// Deletes the temporaries of `target` (`<target>.tmp-*` beside it), never a finished file.
    public static func removeStale(of target: String) {
        let url = URL(fileURLWithPath: target)
        remove(in: url.deletingLastPathComponent().path) { $0.hasPrefix(url.lastPathComponent + marker) }
    }

    /// Deletes the temporaries in `folder` of files ending in one of `extensions` (".h5", ".ckpt").
    public static func removeStale(in folder: String, extensions: [String]) {
        remove(in: folder) { name in extensions.contains { name.contains($0 + marker) } }
    }

    private static func remove(in folder: String, where matches: (String) -> Bool) {
        let fm = FileManager.default
        for name in (try? fm.contentsOfDirectory(atPath: folder)) ?? [] where matches(name) {
            try? fm.removeItem(atPath: folder + "/" + name)
        }
    }
}
