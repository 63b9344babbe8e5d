import Foundation

extension EmbeddedPostgres {
    /// The account the embedded server runs as: this process's own, or `postgres` when this
    /// process is root (the server refuses to run as root).
    struct ServerOwner {
        var name: String
        var uid: uid_t
        var gid: gid_t
        /// True when the server runs as another account than this process.
        var isOther: Bool

        static func current() throws -> ServerOwner {
            guard geteuid() == 0 else {
                return ServerOwner(name: NSUserName(), uid: geteuid(), gid: getegid(), isOther: false)
            }
            guard let entry = getpwnam("postgres") else {
                throw EmbeddedPostgresError("running as root needs a 'postgres' user to run the embedded PostgreSQL as (apt install postgresql-15 creates it)")
            }
            return ServerOwner(name: "postgres", uid: entry.pointee.pw_uid, gid: entry.pointee.pw_gid, isOther: true)
        }

        /// Hands `directories` to the server's account.
        func own(_ directories: [URL]) throws {
            guard isOther else { return }
            for directory in directories where chown(directory.path, uid, gid) != 0 {
                throw EmbeddedPostgresError("cannot give \(directory.path) to user \(name): \(String(cString: strerror(errno)))")
            }
        }

        /// Refuses a directory the server's account could not reach (a parent without search permission).
        func checkTraversable(_ directory: URL) throws {
            var path = directory.deletingLastPathComponent().standardizedFileURL.path
            while path != "/" && !path.isEmpty {
                var info = stat()
                if stat(path, &info) == 0 {
                    let reachable = info.st_mode & S_IXOTH != 0
                        || (info.st_uid == uid && info.st_mode & S_IXUSR != 0)
                        || (info.st_gid == gid && info.st_mode & S_IXGRP != 0)
                    if !reachable {
                        throw EmbeddedPostgresError("user \(name) cannot reach \(directory.path): \(path) is not searchable by it (chmod o+x \(path), or choose another data directory)")
                    }
                }
                path = (path as NSString).deletingLastPathComponent
            }
        }
    }
}
