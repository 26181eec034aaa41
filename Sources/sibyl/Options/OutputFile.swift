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
/// allows (as given or as a link resolves it), a folder, a folder that does not exist or cannot take
/// the file, a read-only file (by its permission bits, so for root too), a file in a sticky folder
/// that belongs to someone else, a block device or socket, a pipe no process reads, a loop of
/// symbolic links, and the same file as one the command reads (which writing would destroy) or as
/// another output, whatever the spelling, link, hard link, bind mount or descriptor that names it.
///
/// Symbolic links are followed as the kernel follows them (`link/..` is the parent of the link's
/// target, and a relative target is read from the link's real folder), so a link keeps pointing
/// where it did and its target is replaced. A path that reaches `/dev/stdout`, `/dev/stderr`,
/// `/dev/fd/N` or `/proc/self/fd/N`, directly or through links, is written to that descriptor (so
/// `>> log` keeps appending); another character device or a pipe (`/dev/null`, a FIFO) is written in
/// place, never replaced; a regular file is replaced atomically (a temporary file beside it, then a
/// rename), keeping its permission bits (without set-user or set-group ID) and, where the process
/// may, its owner.
struct OutputFile {
    let option: String
    /// As given on the command line (what messages show).
    let path: String
    /// The file written: `path` with symbolic links resolved.
    let target: String
    /// A character device or pipe: opened and written in place.
    let inPlace: Bool
    /// A descriptor the process already holds (`/dev/stdout`, `/dev/fd/N`), or the one the check
    /// of a named pipe opened and keeps: written to directly.
    let descriptor: Int32?
    /// The replaced file's permission bits and owner, kept on its replacement.
    let mode: mode_t?
    let owner: (uid_t, gid_t)?
    /// Device and inode of the file as it exists now (or the descriptor's), for the same-file checks.
    let identity: (dev_t, ino_t)?
    /// Device and inode of the folder the file goes in, with its name: the same place under any
    /// spelling or mount, for a file not yet created.
    let place: (dev_t, ino_t, String)?

    /// Whether this output is what standard output is open on (`/dev/stdout`, a descriptor
    /// duplicated from it, or the file the shell redirected standard output to): the command's
    /// summary then belongs on standard error, and a `--json` summary has nowhere to go. The null
    /// device takes anything and counts as no output.
    var isStandardOutput: Bool {
        guard let identity else { return false }
        var null = stat()
        return Self.standardOutputIs(identity) && !(stat("/dev/null", &null) == 0 && null.st_dev == identity.0 && null.st_ino == identity.1)
    }

    /// Whether standard output is open on the file of this device and inode.
    static func standardOutputIs(_ identity: (dev_t, ino_t)) -> Bool {
        var output = stat()
        return fstat(1, &output) == 0 && output.st_dev == identity.0 && output.st_ino == identity.1
    }

    /// Refuses `--json` beside an output that is standard output (see ``isStandardOutput``), and
    /// gives the printer for the command's text summary: standard output, or standard error when an
    /// output takes standard output.
    static func summaryPrinter(for outputs: [OutputFile], json: Bool) throws -> (String) -> Void {
        guard let taken = outputs.first(where: \.isStandardOutput) else { return { print($0) } }
        if json {
            throw CommandError("--json prints the summary on standard output, which \(taken.option) \(shown(taken.path)) takes",
                               fix: "write \(taken.option) to another file, or leave out --json")
        }
        return printToStandardError
    }

    /// Checks `given` for `option` (`-`, as is usual, is standard output); `inputs` are the files
    /// the command reads, as (path, option).
    init(_ given: String, option: String, inputs: [(path: String, option: String)]) throws {
        let path = given == "-" ? "/dev/stdout" : given
        self.option = option
        self.path = path
        func refuse(_ what: String, _ fix: String) -> CommandError { CommandError("\(option) \(Self.shown(path)) \(what)", fix: fix) }
        guard !path.isEmpty else { throw CommandError("\(option) needs a file name", fix: "give \(option) FILE") }
        guard !path.hasSuffix("/") else { throw refuse("names a folder", "name a file, for example \(Self.shown(path))out") }
        let resolution = Self.resolve(path)
        var status = stat()
        switch resolution {
        case .loop:
            throw refuse("is a loop of symbolic links", "name a file, or repair the links")
        case .descriptor(let number):
            // One the process holds: open for writing, and compared by what it is open on.
            let flags = fcntl(number, F_GETFL)
            guard flags != -1, fstat(number, &status) == 0 else { throw refuse("is descriptor \(number), which is not open", "open it for writing, or name a file") }
            guard flags & O_ACCMODE != O_RDONLY else { throw refuse("is descriptor \(number), open for reading only", "open it for writing, or name a file") }
            (target, inPlace, descriptor, mode, owner) = (path, true, number, nil, nil)
            identity = (status.st_dev, status.st_ino)
            place = nil
        case .path(let resolved):
            target = resolved
            var held: Int32?
            let name = String(resolved[resolved.index(after: resolved.lastIndex(of: "/")!)...])
            guard !name.isEmpty else { throw refuse("names a folder", "name a file") }
            if name.utf8.count > Int(NAME_MAX) {
                throw refuse("is a file name \(name.utf8.count) bytes long; file names hold at most \(NAME_MAX)", "use a shorter name")
            }
            let folder = Self.folder(of: resolved)
            var folderStatus = stat()
            guard stat(folder, &folderStatus) == 0 else {
                throw refuse("is in \(Self.shown(folder)), which does not exist", "create the folder first, or write somewhere else")
            }
            guard folderStatus.st_mode & S_IFMT == S_IFDIR else {
                throw refuse("is in \(Self.shown(folder)), which is a file, not a folder", "name a file in a folder")
            }
            place = (folderStatus.st_dev, folderStatus.st_ino, name)
            if stat(resolved, &status) == 0 {
                identity = (status.st_dev, status.st_ino)
                switch status.st_mode & S_IFMT {
                case S_IFDIR:
                    throw refuse("is a folder", "name a file, for example \(Self.shown(path))/out")
                case S_IFCHR:
                    (inPlace, mode, owner) = (true, nil, nil)
                case S_IFIFO:
                    // Opening a pipe for writing waits for a reader: without one, say so now. The
                    // descriptor stays open and is written later: closing it would hand the reader
                    // an end of file, and the reader (gzip, a tee) would be gone by then.
                    let probe = open(resolved, O_WRONLY | O_NONBLOCK)
                    guard probe >= 0 else { throw refuse("is a pipe that no process reads", "start its reader first, or name a file") }
                    _ = fcntl(probe, F_SETFL, fcntl(probe, F_GETFL) & ~O_NONBLOCK)
                    held = probe
                    (inPlace, mode, owner) = (true, nil, nil)
                case S_IFREG:
                    inPlace = false
                    mode = status.st_mode & 0o1777
                    owner = (status.st_uid, status.st_gid)
                    // Permission bits as well as access(): root may write anything, but a file marked
                    // read-only is one its owner meant to keep.
                    guard access(resolved, W_OK) == 0, status.st_mode & 0o222 != 0 else {
                        throw refuse("is read-only", "write somewhere else, or make the file writable (chmod u+w)")
                    }
                    // In a sticky folder (/tmp) only the owner, or root, may replace a file.
                    if folderStatus.st_mode & S_ISVTX != 0, status.st_uid != geteuid(), geteuid() != 0 {
                        throw refuse("belongs to another user in a folder where only a file's owner may replace it", "write somewhere else")
                    }
                default:
                    throw refuse("is not a regular file, a character device or a pipe", "name a file")
                }
            } else {
                (identity, inPlace, mode, owner) = (nil, false, nil, nil)
            }
            descriptor = held
        }
        for input in inputs where Self.sameFile(input.path, self) {
            throw refuse("is the file \(input.option) reads; writing it would destroy the input", "name another file for \(option)")
        }
        if !inPlace { try checkFolder() }
    }

    /// The folder must take a new file: a probe is created and removed, which also catches file
    /// systems that refuse files whatever the folder's permissions say (/proc).
    private func checkFolder() throws {
        let folder = Self.folder(of: target)
        let probe = Self.temporaryName(in: folder)
        let descriptor = open(probe, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else {
            throw CommandError("\(option) \(Self.shown(path)): the folder \(Self.shown(folder)) does not take new files (\(String(cString: strerror(errno))))",
                               fix: "write somewhere else, or change the folder's permissions")
        }
        close(descriptor)
        unlink(probe)
    }

    /// Refuses two outputs that name one file (the last written would be all that remained).
    static func checkDistinct(_ outputs: [OutputFile]) throws {
        for (i, first) in outputs.enumerated() {
            for second in outputs[(i + 1)...] where same(first, second) {
                throw CommandError("\(first.option) and \(second.option) both name \(shown(second.path)); one would overwrite the other",
                                   fix: "give each its own file")
            }
        }
    }

    private static func same(_ first: OutputFile, _ second: OutputFile) -> Bool {
        if let a = first.identity, let b = second.identity, a == b { return true }
        if let a = first.place, let b = second.place, a == b { return true }
        return first.descriptor == nil && second.descriptor == nil && first.target == second.target
    }

    /// Writes every file or, when one cannot be written, none of the regular ones: each is written
    /// to a temporary file first and only renamed into place once all the writing went through.
    static func write(_ items: [(file: OutputFile, data: Data)]) throws {
        var staged: [(temporary: String, file: OutputFile)] = []
        // A file-size limit (`ulimit -f`) would end the process by SIGXFSZ mid-write, with a partial
        // temporary file left behind: the write fails with EFBIG instead, and is cleaned up.
        let previousSizeSignal = signal(SIGXFSZ, SIG_IGN)
        defer { signal(SIGXFSZ, previousSizeSignal) }
        do {
            for (file, data) in items where !file.inPlace {
                let temporary = temporaryName(in: folder(of: file.target))
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
            throw CommandError("cannot write \(shown(item.file.path)): \(reason)", fix: "check that the folder is writable")
        }
    }

    func write(_ data: Data) throws { try Self.write([(self, data)]) }

    private func writeAll(_ data: Data, to destination: String, create: Bool) throws {
        let descriptor = self.descriptor.map { dup($0) } ?? (create ? open(destination, O_WRONLY | O_CREAT | O_EXCL, 0o666) : open(destination, O_WRONLY))
        guard descriptor >= 0 else { throw failure() }
        defer { close(descriptor) }
        if create {
            // The replaced file's owner (where the process may give it) and permission bits; the
            // temporary file would otherwise be the process's, with the umask's bits.
            if let owner { _ = fchown(descriptor, owner.0, owner.1) }
            if let mode, fchmod(descriptor, mode) != 0 { throw failure() }
        }
        let error = writeEverything(data, to: descriptor)
        guard error == 0 else {
            errno = error
            throw failure()
        }
    }

    private func failure() -> CommandError {
        if errno == EPIPE {
            return CommandError("cannot write \(Self.shown(path)): its reader closed it before the end", fix: "keep the reading end open until it is done")
        }
        if errno == EFBIG {
            return CommandError("cannot write \(Self.shown(path)): \(String(cString: strerror(errno)))",
                                fix: "raise the file-size limit (ulimit -f) or write to a file system that takes files this large")
        }
        return CommandError("cannot write \(Self.shown(path)): \(String(cString: strerror(errno)))",
                            fix: "check that the disk has room and that the file takes writes")
    }

    /// Where a path leads: a file (symbolic links resolved), a descriptor the process holds, or a
    /// loop of links.
    enum Resolution: Equatable {
        case path(String)
        case descriptor(Int32)
        case loop
    }

    /// Resolves `path` as the kernel does: the folder by realpath(3), then the last component,
    /// while it is a link, by readlink(2), a relative target read from the link's real folder; at
    /// most 40 links, as the kernel follows. A last component may name a file not yet created, or a
    /// link to one. Each step is checked against the names of descriptors the process holds.
    static func resolve(_ path: String) -> Resolution {
        var current = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        for _ in 0...40 {
            let folder = folder(of: current), name = String(current[current.index(after: current.lastIndex(of: "/")!)...])
            guard let real = realpath(folder, nil) else { return .path(current) }  // the folder check names it
            let realFolder = String(cString: real)
            free(real)
            let candidate = (realFolder == "/" ? "" : realFolder) + "/" + name
            if let number = heldDescriptor(candidate) { return .descriptor(number) }
            var status = stat()
            guard lstat(candidate, &status) == 0, status.st_mode & S_IFMT == S_IFLNK,
                  let destination = try? FileManager.default.destinationOfSymbolicLink(atPath: candidate) else { return .path(candidate) }
            current = destination.hasPrefix("/") ? destination : (realFolder == "/" ? "" : realFolder) + "/" + destination
        }
        return .loop
    }

    /// The descriptor a resolved path names when it is one the process holds: `/dev/stdout`,
    /// `/dev/stderr`, `/dev/fd/N`, `/proc/self/fd/N` or `/proc/<this process>/fd/N`.
    private static func heldDescriptor(_ path: String) -> Int32? {
        switch path {
        case "/dev/stdout": return 1
        case "/dev/stderr": return 2
        default:
            for prefix in ["/dev/fd/", "/proc/self/fd/", "/proc/\(getpid())/fd/"] where path.hasPrefix(prefix) {
                let digits = path.dropFirst(prefix.count)
                if !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber), let number = Int32(digits) { return number }
            }
            return nil
        }
    }

    private static func folder(of path: String) -> String {
        let cut = path.lastIndex(of: "/")!
        return cut == path.startIndex ? "/" : String(path[..<cut])
    }

    private static func sameFile(_ other: String, _ file: OutputFile) -> Bool {
        if file.descriptor == nil, case .path(let resolved) = resolve(other), resolved == file.target { return true }
        var status = stat()
        guard let identity = file.identity, stat(other, &status) == 0 else { return false }
        return status.st_dev == identity.0 && status.st_ino == identity.1
    }

    /// A path for a one-line message: control characters (a newline in a file name) shown escaped.
    static func shown(_ path: String) -> String {
        path.unicodeScalars.contains { $0.properties.generalCategory == .control }
            ? String(path.unicodeScalars.map { $0.properties.generalCategory == .control ? "\\u{\(String($0.value, radix: 16))}" : String($0) }.joined())
            : path
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
