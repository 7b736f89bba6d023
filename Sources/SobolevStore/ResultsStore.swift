// How results reach the disk so that a kill at any moment loses no completed run and never leaves
// a damaged results file:
//
//   OUT.h5            the results file; only ever replaced by an atomic rename of a whole new file
//   OUT.h5.parts/     one small HDF5 file per finished run, written as *.tmp and renamed when whole,
//                     and <run-id>.ckpt, the checkpoint of a run that is running or was interrupted
//
// A finished run is first saved as its own part (atomic). `consolidate()` then builds a new
// results file from OUT.h5 and the parts in a temporary file, renames it over OUT.h5 and only then
// deletes the parts it merged. A kill before the rename leaves OUT.h5 as it was and the parts in
// place; a kill after it leaves parts that are merged again (idempotently) next time.
import Foundation
import SobolevCore
import SobolevExperiment
import SobolevHDF5

public final class ResultsStore {
    public let path: String
    public var partsDirectory: String { path + ".parts" }
    /// The experiment whose header a new results file gets (at the first merge).
    public let experiment: Experiment?
    /// --force: the file at `path` is replaced at the first merge, its runs are not kept.
    public private(set) var replacing: Bool
    /// The results file holds runs of another experiment text or other overrides that this
    /// experiment includes (more seeds, more search samples, more axis values, an edited
    /// comment): its runs are kept and its header describes this experiment from the next merge.
    public private(set) var extending: (storedRuns: Int, total: Int)?

    /// What this process's merges took: seconds per byte of the copied results file and per part
    /// (first guesses until a merge has measured them; a parallel file system may be far slower).
    private var copySecondsPerByte = 1 / 200e6, secondsPerPart = 0.002

    public init(path: String, experiment: Experiment? = nil, replacing: Bool = false) {
        self.path = path; self.experiment = experiment; self.replacing = replacing
    }

    /// Whether a results file or unmerged parts exist at this path.
    public var exists: Bool {
        FileManager.default.fileExists(atPath: path) || FileManager.default.fileExists(atPath: partsDirectory)
    }

    /// Checks that results of `experiment` can go to `path` and creates nothing: the results file
    /// and its folder appear with the first finished run. An existing file must belong to the same
    /// experiment (same text and overrides) unless it is being replaced; a folder is never a
    /// results file, not even with --force.
    public func prepare(for experiment: Experiment) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw HDF5Error(file: path, object: "", message: "is a folder, not a results file; --out names a file (--force never removes a folder)")
        }
        if let input = FileIdentity.input(among: experiment.inputFiles, replacedBy: path) {
            throw HDF5Error(file: path, object: "", message: "is an input of the experiment (\(input == experiment.file ? "the experiment file" : "a data file")); --out names another file (--force never replaces an input)")
        }
        removeStaleTemporaries()
        if replacing { removeParts() } else { try checkBelongs(to: experiment); try checkParts(belongTo: experiment) }
    }

    /// Unmerged parts and checkpoints must be runs of this experiment: a sweep of another one
    /// killed before its first merge leaves parts that the next merge would take in as this
    /// experiment's (the results file's own check cannot see them).
    public func checkParts(belongTo experiment: Experiment) throws {
        let ids = Set(experiment.runs.map(\.id))
        let partIDs = partFiles().map { URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent }
        if let foreign = (partIDs + checkpointedRuns()).first(where: { !ids.contains($0) }) {
            throw HDF5Error(file: partsDirectory, object: "", message: "holds run \(foreign), which is not a run of this experiment (left by a sweep of another experiment or other --set overrides); choose another --out (or --force to replace it)")
        }
    }

    // MARK: One writer at a time

    /// The lock file beside the results file (OUT.h5.lock).
    public var lockPath: String { writerLock.path }
    private lazy var writerLock = WriterLock(path: path + ".lock")
    private var createdFolder: String? = nil

    /// Takes the results file for this process: a second sweep or run on the same --out would
    /// train the same runs and merge over this one's merges (WriterLock). The results folder is
    /// made for the lock file if missing (and removed again by `unlock` if nothing came into it).
    public func lock() throws {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        if !FileManager.default.fileExists(atPath: folder) {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            createdFolder = folder
        }
        do { try writerLock.acquire(for: path, by: "sweep or run") } catch { unlockFolder(); throw error }
    }

    /// Releases the lock and removes the lock file (and the results folder `lock` created, if
    /// nothing else came into it).
    public func unlock() {
        writerLock.release()
        unlockFolder()
    }

    private func unlockFolder() {
        if let folder = createdFolder, let left = try? FileManager.default.contentsOfDirectory(atPath: folder), left.isEmpty {
            try? FileManager.default.removeItem(atPath: folder)
        }
        createdFolder = nil
    }

    /// --force's replacement now, with no run in it (a sweep stopped before its first merge):
    /// the command that continues is then the same without --force, which would replace again.
    public func replaceWithEmptyFile() throws {
        guard replacing, let experiment else { return }
        let tmp = TemporaryFiles.name(for: path)
        do {
            var complete = false
            defer { if !complete { try? FileManager.default.removeItem(atPath: tmp) } }
            let f = try H5File.create(tmp)
            try ResultsWriter.writeHeader(f, experiment: experiment)
            try f.setAttribute("updated", ISO8601DateFormatter().string(from: Date()))
            try f.flush()
            complete = true
        }
        try rename(tmp, path)
        replacing = false; extending = nil
    }

    /// What --force discards, for the message that says so (nil: nothing).
    public func replacedContents() -> String? {
        // Unmerged parts and checkpoints go at once (prepare), the file at the first merge.
        let parts = partFiles().count, checkpoints = checkpointedRuns().count
        let now = parts + checkpoints == 0 ? "" : "; now: its \(parts) unmerged part(s) and \(checkpoints) checkpoint(s)"
        guard FileManager.default.fileExists(atPath: path) else { return now.isEmpty ? nil : "nothing stored yet" + now }
        guard let runs = try? H5File.open(path).openGroup("runs").childNames() else { return "it is not a results file; its content is discarded" + now }
        return "its \(runs.count) stored run(s) are discarded" + now
    }

    /// Status of every run stored so far (merged or in parts), by run id.
    public func storedRuns() throws -> [String: RunStatus] {
        var out: [String: RunStatus] = [:]
        if !replacing && FileManager.default.fileExists(atPath: path) {
            let f = try H5File.open(path)
            let runs = try f.openGroup("runs")
            for id in try runs.childNames() {
                out[id] = RunStatus(stored: try? runs.openGroup(id).scalarStringAttribute("status"))
            }
        }
        for part in partFiles() {
            if let f = try? H5File.open(part), let runs = try? f.openGroup("runs") {
                for id in (try? runs.childNames()) ?? [] {
                    out[id] = RunStatus(stored: try? runs.openGroup(id).scalarStringAttribute("status"))
                }
            }
        }
        return out
    }

    /// The search metrics of every stored trial (search_metrics: one per rung reached), by run
    /// id; parts override the merged file, as in `storedRuns`.
    public func searchMetrics() throws -> [String: [Double]] {
        var out: [String: [Double]] = [:]
        func read(_ runs: H5Group) {
            for id in (try? runs.childNames()) ?? [] {
                if let g = try? runs.openGroup(id), g.hasAttribute("search_metrics"), let m = try? g.doubleAttribute("search_metrics") { out[id] = m }
            }
        }
        if !replacing && FileManager.default.fileExists(atPath: path) { read(try H5File.open(path).openGroup("runs")) }
        for part in partFiles() {
            if let f = try? H5File.open(part), let runs = try? f.openGroup("runs") { read(runs) }
        }
        return out
    }

    /// The search metrics of one trial: from its part when it has one (just saved), else from
    /// the merged file; nil when neither has them.
    public func searchMetrics(ofRun id: String) throws -> [Double]? {
        func read(_ file: String) -> [Double]? {
            guard let runs = try? H5File.open(file).openGroup("runs"), runs.contains(id), let g = try? runs.openGroup(id),
                  g.hasAttribute("search_metrics") else { return nil }
            return try? g.doubleAttribute("search_metrics")
        }
        let part = partsDirectory + "/" + id + ".h5"
        if FileManager.default.fileExists(atPath: part), let m = read(part) { return m }
        // A file to be replaced (--force) holds no result of this sweep until its first merge.
        guard !replacing, FileManager.default.fileExists(atPath: path) else { return nil }
        return read(path)
    }

    /// Rank-seconds of the given runs from the results file: sums of wall_time, train_time and
    /// allreduce_time, each x ranks (what the sweep's timing line reports).
    public func timing(of ids: [String]) throws -> (wall: Double, train: Double, allReduce: Double) {
        let runs = try H5File.open(path).openGroup("runs")
        var wall = 0.0, train = 0.0, allReduce = 0.0
        for id in ids where runs.contains(id) {
            let g = try runs.openGroup(id)
            let ranks = Double(try g.intAttribute("ranks").first ?? 1)
            wall += ranks * (try g.scalarDoubleAttribute("wall_time"))
            train += ranks * (try g.scalarDoubleAttribute("train_time"))
            // Absent from files written before it was recorded.
            if g.hasAttribute("allreduce_time") { allReduce += ranks * (try g.scalarDoubleAttribute("allreduce_time")) }
        }
        return (wall, train, allReduce)
    }

    /// Saves one finished run as a part file (written whole under a temporary name, then renamed).
    public func save(_ result: RunResult) throws {
        try createPartsDirectory()
        try H5File.writeAtomically(partsDirectory + "/" + result.id + ".h5", replace: true) { f in
            try ResultsWriter.writeRun(result, into: try f.createGroup("runs"))
        }
    }

    public func checkpointPath(_ id: String) -> String { partsDirectory + "/" + id + ".ckpt" }

    /// Writes a running run's checkpoint beside the parts (whole, then renamed over the last one).
    public func saveCheckpoint(_ state: TrainingState, run id: String, ranks: Int) throws {
        try createPartsDirectory()
        try CheckpointFile.write(state, run: id, ranks: ranks, to: checkpointPath(id))
    }

    /// The checkpoint of run `id` and the ranks that wrote it, nil when there is none.
    public func checkpoint(of id: String) throws -> (state: TrainingState, ranks: Int?)? {
        guard FileManager.default.fileExists(atPath: checkpointPath(id)) else { return nil }
        return try CheckpointFile.read(checkpointPath(id), run: id)
    }

    /// Deletes run `id`'s checkpoint (once its finished part is saved).
    public func removeCheckpoint(of id: String) {
        try? FileManager.default.removeItem(atPath: checkpointPath(id))
    }

    /// Deletes the checkpoints of runs whose finished part or merged result is stored already
    /// (a trial a search stopped keeps its own: it continues from it if promoted).
    public func removeFinishedCheckpoints() {
        let stored = (try? storedRuns()) ?? [:]
        for id in checkpointedRuns() where stored[id] != nil && stored[id] != .stopped { removeCheckpoint(of: id) }
    }

    /// Run ids with a checkpoint (interrupted mid-run).
    public func checkpointedRuns() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: partsDirectory)) ?? []).filter { $0.hasSuffix(".ckpt") }.map { String($0.dropLast(5)) }
    }

    /// Creates the parts folder if missing (several ranks may do so at once: mkdir's EEXIST is fine).
    func createPartsDirectory() throws {
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
        if !FileManager.default.fileExists(atPath: dir) { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        guard mkdir(partsDirectory, 0o777) == 0 || errno == EEXIST else {
            throw HDF5Error(file: partsDirectory, object: "", message: "cannot create the parts folder: \(String(cString: strerror(errno)))")
        }
    }

    /// Merges all parts into the results file (atomically) and deletes the merged parts.
    /// `removeEmptyParts` also removes the parts folder when nothing is left in it: only when no
    /// other rank can be saving a part (before and after a sweep), never during one.
    /// Returns the number of runs merged.
    @discardableResult
    public func consolidate(removeEmptyParts: Bool = true) throws -> Int {
        let parts = partFiles()
        guard !parts.isEmpty else {
            if removeEmptyParts { removePartsDirectoryIfEmpty() }
            return 0
        }
        // The new file is about the old one plus the parts. HDF5 crashes on some failed writes
        // (H5Ocopy on a full disk), so a merge that cannot fit is refused before it starts.
        try ensureFreeSpace((parts + [path]).map(fileSize).reduce(0, +))
        let tmp = TemporaryFiles.name(for: path)
        try? FileManager.default.removeItem(atPath: tmp)
        var merged = 0
        do {
            // A failed merge (e.g. a full disk) leaves OUT.h5 and the parts as they were.
            var complete = false
            defer { if !complete { try? FileManager.default.removeItem(atPath: tmp) } }
            let copyStart = DispatchTime.now()
            let f = try startMerge(tmp)
            if extending != nil, let experiment { try ResultsWriter.describe(f, experiment: experiment) }
            let copied = replacing ? 0 : fileSize(path)
            if copied > 1 << 20 { copySecondsPerByte = seconds(since: copyStart) / Double(copied) }
            let partsStart = DispatchTime.now()
            defer { if merged > 0 { secondsPerPart = seconds(since: partsStart) / Double(parts.count) } }
            let runs = try f.group("runs")
            for part in parts {
                let p = try H5File.open(part)
                let partRuns = try p.openGroup("runs")
                for id in try partRuns.childNames() {
                    if runs.contains(id) { try runs.remove(id) }
                    try runs.copy(id, from: partRuns)
                    merged += 1
                }
            }
            try f.setAttribute("updated", ISO8601DateFormatter().string(from: Date()))
            try f.flush()
            complete = true
        }
        // Rename over the old file: a reader sees the old or the new file, never half of one.
        try rename(tmp, path)
        replacing = false
        for part in parts { try? FileManager.default.removeItem(atPath: part) }
        if removeEmptyParts { removePartsDirectoryIfEmpty() }
        return merged
    }

    /// Seconds the next merge would take (a copy of the results file and each part), by what this
    /// process's earlier merges took.
    public func mergeEstimate() -> Double {
        let parts = partFiles().count
        guard parts > 0 else { return 0 }
        return (replacing ? 0 : Double(fileSize(path)) * copySecondsPerByte) + Double(parts) * secondsPerPart
    }

    private func seconds(since start: DispatchTime) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    }

    /// Throws a clear error when the results file's file system has less than `bytes` (plus a
    /// margin for HDF5's metadata) free.
    func ensureFreeSpace(_ bytes: Int) throws {
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var fs = statvfs()
        guard statvfs(dir, &fs) == 0 else { return }
        let free = Int(fs.f_bavail) * Int(fs.f_frsize)
        let needed = bytes + bytes / 10 + (1 << 20)
        guard free >= needed else {
            throw HDF5Error(file: path, object: "", message: String(format: "not enough free disk space to merge the finished runs: %.1f MB needed, %.1f MB free in %@; the finished runs stay in %@",
                                                                   Double(needed) / 1e6, Double(free) / 1e6, dir, partsDirectory))
        }
    }

    func fileSize(_ file: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? Int) ?? 0
    }

    /// The file the next merge builds: a copy of the results file, or a new one with the header.
    func startMerge(_ tmp: String) throws -> H5File {
        if !replacing && FileManager.default.fileExists(atPath: path) {
            try FileManager.default.copyItem(atPath: path, toPath: tmp)
            return try H5File.open(tmp, writable: true)
        }
        guard let experiment else { throw HDF5Error(file: path, object: "", message: "no experiment to write the header of a new results file") }
        let f = try H5File.create(tmp)
        try ResultsWriter.writeHeader(f, experiment: experiment)
        return f
    }

    /// Checks that an existing results file was made by the same experiment text and overrides
    /// (a missing file passes). Reads only.
    public func checkBelongs(to experiment: Experiment) throws {
        guard FileManager.default.fileExists(atPath: path) else { return }
        let advice = "choose another --out (or --force to replace it)"
        let text: String, overrides: String, hashes: [String]?, files: [String]?
        do {
            let f = try H5File.open(path)
            try checkResultsFormat(f)
            text = try f.scalarStringAttribute("experiment_text")
            overrides = try f.scalarStringAttribute("overrides")
            hashes = f.hasAttribute("data_hashes") ? try f.stringAttribute("data_hashes") : nil
            files = f.hasAttribute("data_files") ? try f.stringAttribute("data_files") : nil
        } catch let e as HDF5Error {
            throw HDF5Error(file: e.file, object: e.object, message: "\(e.message); \(advice)")
        }
        if text != experiment.text || overrides != experiment.overrides.joined(separator: "\n") {
            try checkExtends(experiment, storedText: text, storedOverrides: overrides, advice: advice)
        }
        // Files written before the fingerprints were recorded have none to compare.
        guard let hashes, hashes.allSatisfy({ $0.hasPrefix(DataFingerprint.scheme) }) else { return }
        let now = try experiment.dataFingerprints()
        let stored = Dictionary(zip(files ?? now.files, hashes), uniquingKeysWith: { a, _ in a })
        // By file: an extension may read more files than the stored runs did.
        if let i = now.hashes.indices.first(where: { i in stored[now.files[i]].map { $0 != now.hashes[i] } ?? false }) {
            throw HDF5Error(file: path, object: "/", message: "holds results trained on other data: \(now.files[i]) changed since (data_hashes \(stored[now.files[i]]!), now \(now.hashes[i])); \(advice)")
        }
    }

    /// Another experiment text or other overrides may go on in this file when every run it
    /// holds is a run of the experiment (same resolved configuration and seed, so the same id):
    /// it extends the file. A search with a scheduler may not grow (its rungs were decided on the
    /// trials it had): its runs must be the stored experiment's, as after an edited comment.
    func checkExtends(_ experiment: Experiment, storedText: String, storedOverrides: String, advice: String) throws {
        let ids = Set(experiment.runs.map(\.id))
        let stored = try H5File.open(path).openGroup("runs").childNames()
        if let foreign = stored.first(where: { !ids.contains($0) }) {
            throw HDF5Error(file: path, object: "/runs/\(foreign)", message: "is not a run of this experiment (the file holds results of a different experiment or different --set overrides); \(advice)")
        }
        if let scheduler = experiment.search.scheduler {
            let before = try? Experiment.parse(text: storedText, file: experiment.file,
                                               overrides: storedOverrides.split(separator: "\n").map(String.init))
            guard let before, Set(before.runs.map(\.id)) == ids else {
                throw HDF5Error(file: path, object: "/", message: "holds this search's trials, and the experiment now has other trials; a search with a scheduler (\(scheduler.name)) cannot grow in its file, its rungs were decided on the trials it had; \(advice)")
            }
        }
        extending = (stored.count, experiment.runs.count)
    }

    /// Deletes temporary files a killed writer left behind (never a finished file).
    func removeStaleTemporaries() {
        TemporaryFiles.removeStale(of: path)
        TemporaryFiles.removeStale(in: partsDirectory, extensions: [".h5", ".ckpt"])
    }

    /// Deletes unmerged parts (those of a file --force replaces) and then the parts folder if it
    /// is empty; files this tool did not write stay, and so does the folder then.
    func removeParts() {
        for part in partFiles() { try? FileManager.default.removeItem(atPath: part) }
        for id in checkpointedRuns() { removeCheckpoint(of: id) }
        removePartsDirectoryIfEmpty()
    }

    /// Removes the parts folder once nothing is left in it.
    public func removePartsDirectoryIfEmpty() {
        if let left = try? FileManager.default.contentsOfDirectory(atPath: partsDirectory), left.isEmpty {
            try? FileManager.default.removeItem(atPath: partsDirectory)
        }
    }

    /// Finished runs waiting in the parts folder.
    public var unmergedCount: Int { partFiles().count }

    /// Finished part files (not the ones still being written).
    func partFiles() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: partsDirectory)) ?? []
        return names.filter { $0.hasSuffix(".h5") }.sorted().map { partsDirectory + "/" + $0 }
    }

    func rename(_ from: String, _ to: String) throws {
        guard Foundation.rename(from, to) == 0 else {
            throw HDF5Error(file: to, object: "", message: "cannot move \(from) into place: \(String(cString: strerror(errno)))")
        }
    }
}
