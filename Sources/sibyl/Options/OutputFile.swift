import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file named on the command line for the tool to write, checked before any work is done and
/// written in one piece at the end.
///
/// What is refused up front: an empty name, a name ending in `/`, a name longer than the file system
/// allows, a folder, a folder that does not exist or cannot be written, a read-only file (by its
/// permission bits, so for root too), a block device or socket, a loop of symbolic links, and the
/// same file as one the command reads (which writing would destroy) or as another output. Symbolic
/// links are followed as the kernel follows them (`link/..` is the parent of the link's target, and
/// a relative target is read from the link's real folder), so a link keeps pointing where it did
/// and its target is replaced; a character device or pipe (`/dev/null`, a FIFO) is written in
/// place, never replaced, and `/dev/stdout`, `/dev/stderr`, `/dev/fd/N` and `/proc/self/fd/N` are
/// written to that descriptor (so `>> log` keeps appending); a regular file is replaced atomically
/// (a temporary file beside it, then a rename) and keeps its permissions.
struct OutputFile {
    let option: String
    /// As given on the command line (what messages show).
    let path: String
    /// The file written: `path` with symbolic links resolved.
    let target: String
    /// A character device or pipe: opened and written in place.
    let inPlace: Bool
    /// A descriptor the process already holds (`/dev/stdout`, `/dev/fd/N`): written to directly.
    let descriptor: Int32?
    /// The replaced file's permission bits, kept on its replacement.
    let mode: mode_t?
    /// Device and inode of the file as it exists now, for the same-file checks.
    let identity: (dev_t, ino_t)?

    /// Checks `path` for `option`; `inputs` are the files the command reads, as (path, option).
    init(_ path: String, option: String, inputs: [(path: String, option: String)]) throws {
        self.option = option
        self.path = path
        guard !path.isEmpty else { throw CommandError("\(option) needs a file name", fix: "give \(option) FILE") }
        guard !path.hasSuffix("/") else {
            throw CommandError("\(option) \(path) names a folder", fix: "name a file, for example \(path)out")
        }
        let name = path.split(separator: "/").last.map(String.init) ?? path
        if name.utf8.count > Int(NAME_MAX) {
            throw CommandError("\(option): the file name is \(name.utf8.count) bytes long; file names hold at most \(NAME_MAX)",
                               fix: "use a shorter name")
        }
        if let held = Self.heldDescriptor(path) {
            (target, inPlace, descriptor, mode, identity) = (path, true, held, nil, nil)
            return
        }
        descriptor = nil
        guard let resolved = Self.resolvingLinks(path) else {
            throw CommandError("\(option) \(path) is a loop of symbolic links", fix: "name a file, or repair the links")
        }
        target = resolved
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
            // Permission bits as well as access(): root may write anything, but a file marked
            // read-only is one its owner meant to keep.
            guard access(target, W_OK) == 0, inPlace || status.st_mode & 0o222 != 0 else {
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
            for second in outputs[(i + 1)...] where (first.descriptor != nil && first.descriptor == second.descriptor)
                || (first.descriptor == nil && second.descriptor == nil && (first.target == second.target || sameFile(second.path, first))) {
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
            // Devices and pipes next: one that fails (a full disk, /dev/full, a reader that left) leaves
            // the files alone. A pipe whose reader left would end the process by SIGPIPE, with the
            // staged files left behind: the write fails with EPIPE instead.
            let previous = signal(SIGPIPE, SIG_IGN)
            defer { signal(SIGPIPE, previous) }
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
        let descriptor = self.descriptor.map { dup($0) } ?? (create ? open(destination, O_WRONLY | O_CREAT | O_EXCL, 0o666) : open(destination, O_WRONLY))
        guard descriptor >= 0 else { throw failure() }
        defer { close(descriptor) }
        // A replaced file keeps its permissions (the temporary file would otherwise get the umask's).
        if create, let mode, fchmod(descriptor, mode) != 0 { throw failure() }
        let error = writeEverything(data, to: descriptor)
        guard error == 0 else {
            errno = error
            throw failure()
        }
    }

    private func failure() -> CommandError {
        if errno == EPIPE {
            return CommandError("cannot write \(path): its reader closed it before the end", fix: "keep the reading end open until it is done")
        }
        return CommandError("cannot write \(path): \(String(cString: strerror(errno)))", fix: "check that the folder exists and is writable and that the disk has room")
    }

    /// The descriptor a path names when it is one the process holds: `/dev/stdout`, `/dev/stderr`,
    /// `/dev/fd/N`, `/proc/self/fd/N`.
    private static func heldDescriptor(_ path: String) -> Int32? {
        switch path {
        case "/dev/stdout": return 1
        case "/dev/stderr": return 2
        default:
            for prefix in ["/dev/fd/", "/proc/self/fd/"] where path.hasPrefix(prefix) {
                if let number = Int32(path.dropFirst(prefix.count)), fcntl(number, F_GETFD) != -1 { return number }
            }
            return nil
        }
    }

    /// `path` with every symbolic link resolved as the kernel resolves it: the folder by
    /// realpath(3), then the last component, while it is a link, by readlink(2), a relative target
    /// read from the link's real folder. A last component may name a file not yet created, or a
    /// link to one. Nil for a loop (more than 40 links).
    static func resolvingLinks(_ path: String) -> String? {
        var current = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        for _ in 0..<40 {
            let cut = current.lastIndex(of: "/")!
            let folder = cut == current.startIndex ? "/" : String(current[..<cut])
            let name = String(current[current.index(after: cut)...])
            guard let real = realpath(folder, nil) else { return current }  // the folder check names it
            let realFolder = String(cString: real)
            free(real)
            let candidate = (realFolder == "/" ? "" : realFolder) + "/" + name
            var status = stat()
            guard lstat(candidate, &status) == 0, status.st_mode & S_IFMT == S_IFLNK,
                  let destination = try? FileManager.default.destinationOfSymbolicLink(atPath: candidate) else { return candidate }
            current = destination.hasPrefix("/") ? destination : (realFolder == "/" ? "" : realFolder) + "/" + destination
        }
        return nil
    }

    private static func sameFile(_ other: String, _ file: OutputFile) -> Bool {
        if file.descriptor == nil, resolvingLinks(other) == file.target { return true }
        var status = stat()
        guard let identity = file.identity, stat(other, &status) == 0 else { return false }
        return status.st_dev == identity.0 && status.st_ino == identity.1
    }

    private static func temporaryName(in folder: String) -> String {
        URL(fileURLWithPath: folder).appendingPathComponent(".sibyl-\(getpid())-\(UInt32.random(in: 0 ... .max)).tmp").path
    }
}

/// Writes all of `data` to `descriptor`, retrying short writes and interruptions; 0 or the errno.
private func writeEverything(_ data: Data, to descriptor: Int32) -> Int32 {
    data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) -> Int32 in
        var offset = 0
        while offset < bytes.count {
            let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                return errno
            }
            offset += written
        }
        return 0
    }
}
