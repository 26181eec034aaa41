import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file named on the command line for the tool to write, checked before any work is done and
/// written in one piece at the end.
///
/// What is refused up front: an empty name, a name longer than the file system allows, a folder, a
/// folder that does not exist or cannot be written, a read-only file, a block device or socket, and
/// the same file as one the command reads (which writing would destroy) or as another output. A
/// symbolic link is followed, so the link keeps pointing where it did and its target is replaced;
/// a character device or pipe (`/dev/null`, a FIFO) is written in place, never replaced; a regular
/// file is replaced atomically (a temporary file beside it, then a rename) and keeps its permissions.
struct OutputFile {
    let option: String
    /// As given on the command line (what messages show).
    let path: String
    /// The file written: `path` with symbolic links resolved.
    let target: String
    /// A character device or pipe: opened and written in place.
    let inPlace: Bool
    /// The replaced file's permission bits, kept on its replacement.
    let mode: mode_t?
    /// Device and inode of the file as it exists now, for the same-file checks.
    let identity: (dev_t, ino_t)?

    /// Checks `path` for `option`; `inputs` are the files the command reads, as (path, option).
    init(_ path: String, option: String, inputs: [(path: String, option: String)]) throws {
        self.option = option
        self.path = path
        guard !path.isEmpty else { throw CommandError("\(option) needs a file name", fix: "give \(option) FILE") }
        let name = URL(fileURLWithPath: path).lastPathComponent
        if name.utf8.count > Int(NAME_MAX) {
            throw CommandError("\(option): the file name is \(name.utf8.count) bytes long; file names hold at most \(NAME_MAX)",
                               fix: "use a shorter name")
        }
        target = Self.resolvingLinks(path)
        var status = stat()
        if stat(target, &status) == 0 {
            identity = (status.st_dev, status.st_ino)
            switch status.st_mode & S_IFMT {
            case S_IFDIR:
                throw CommandError("\(option) \(path) is a folder", fix: "name a file, for example \(URL(fileURLWithPath: path).appendingPathComponent("out").path)")
            case S_IFCHR, S_IFIFO:
                inPlace = true
                mode = nil
            case S_IFREG:
                inPlace = false
                mode = status.st_mode & 0o7777
            default:
                throw CommandError("\(option) \(path) is not a regular file, a character device or a pipe", fix: "name a file")
            }
            guard access(target, W_OK) == 0 else {
                throw CommandError("\(option) \(path) is read-only", fix: "write somewhere else, or make the file writable (chmod u+w)")
            }
        } else {
            identity = nil
            inPlace = false
            mode = nil
        }
        for input in inputs where Self.sameFile(input.path, self) {
            throw CommandError("\(option) \(path) is the file \(input.option) reads; writing it would destroy the input",
                               fix: "name another file for \(option)")
        }
        if !inPlace { try checkFolder() }
    }

    /// The folder must exist and take a new file: a probe is created and removed, which also
    /// catches file systems that refuse files whatever the folder's permissions say (/proc).
    private func checkFolder() throws {
        let folder = URL(fileURLWithPath: target).deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CommandError("\(option) \(path): the folder \(folder) does not exist", fix: "create the folder first, or write somewhere else")
        }
        let probe = Self.temporaryName(in: folder)
        let descriptor = open(probe, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else {
            throw CommandError("\(option) \(path): the folder \(folder) does not take new files (\(String(cString: strerror(errno))))",
                               fix: "write somewhere else, or change the folder's permissions")
        }
        close(descriptor)
        unlink(probe)
    }

    /// Refuses two outputs that name one file (the last written would be all that remained).
    static func checkDistinct(_ outputs: [OutputFile]) throws {
        for (i, first) in outputs.enumerated() {
            for second in outputs[(i + 1)...] where first.target == second.target || sameFile(second.path, first) {
                throw CommandError("\(first.option) and \(second.option) both name \(second.path); one would overwrite the other",
                                   fix: "give each its own file")
            }
        }
    }

    /// Writes every file or, when one cannot be written, none of the regular ones: each is written
    /// to a temporary file first and only renamed into place once all the writing went through.
    static func write(_ items: [(file: OutputFile, data: Data)]) throws {
        var staged: [(temporary: String, file: OutputFile)] = []
        do {
            for (file, data) in items where !file.inPlace {
                let temporary = temporaryName(in: URL(fileURLWithPath: file.target).deletingLastPathComponent().path)
                staged.append((temporary, file))
                try file.writeAll(data, to: temporary, create: true)
            }
            // Devices and pipes next: one that fails (a full disk, /dev/full) leaves the files alone.
            for (file, data) in items where file.inPlace { try file.writeAll(data, to: file.target, create: false) }
        } catch {
            for item in staged { unlink(item.temporary) }
            throw error
        }
        for item in staged where rename(item.temporary, item.file.target) != 0 {
            let reason = String(cString: strerror(errno))
            for other in staged { unlink(other.temporary) }
            throw CommandError("cannot write \(item.file.path): \(reason)", fix: "check that the folder is writable")
        }
    }

    func write(_ data: Data) throws { try Self.write([(self, data)]) }

    private func writeAll(_ data: Data, to destination: String, create: Bool) throws {
        let descriptor = create ? open(destination, O_WRONLY | O_CREAT | O_EXCL, 0o666) : open(destination, O_WRONLY)
        guard descriptor >= 0 else { throw failure() }
        defer { close(descriptor) }
        // A replaced file keeps its permissions (the temporary file would otherwise get the umask's).
        if create, let mode, fchmod(descriptor, mode) != 0 { throw failure() }
        do {
            try FileHandle(fileDescriptor: descriptor, closeOnDealloc: false).write(contentsOf: data)
        } catch {
            throw CommandError("cannot write \(path): \(error.localizedDescription)",
                               fix: "check that the disk has room and that \(path) takes writes")
        }
    }

    private func failure() -> CommandError {
        CommandError("cannot write \(path): \(String(cString: strerror(errno)))", fix: "check that the folder exists and is writable and that the disk has room")
    }

    /// `path` with every symbolic link resolved, including a last component that is a link to a
    /// file not yet created.
    private static func resolvingLinks(_ path: String) -> String {
        var current = URL(fileURLWithPath: path).standardizedFileURL.path
        for _ in 0..<40 {
            guard let destination = try? FileManager.default.destinationOfSymbolicLink(atPath: current) else { break }
            current = destination.hasPrefix("/") ? destination
                : URL(fileURLWithPath: current).deletingLastPathComponent().appendingPathComponent(destination).standardizedFileURL.path
        }
        let folder = URL(fileURLWithPath: current).deletingLastPathComponent()
        return folder.resolvingSymlinksInPath().appendingPathComponent(URL(fileURLWithPath: current).lastPathComponent).path
    }

    private static func sameFile(_ other: String, _ file: OutputFile) -> Bool {
        if resolvingLinks(other) == file.target { return true }
        var status = stat()
        guard let identity = file.identity, stat(other, &status) == 0 else { return false }
        return status.st_dev == identity.0 && status.st_ino == identity.1
    }

    private static func temporaryName(in folder: String) -> String {
        URL(fileURLWithPath: folder).appendingPathComponent(".sibyl-\(getpid())-\(UInt32.random(in: 0 ... .max)).tmp").path
    }
}
