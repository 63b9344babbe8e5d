import CMallocShim

/// glibc's malloc gives threads that allocate at once arenas of their own, up to eight per core, and memory freed in
/// one arena serves only that arena. The controller's threads (event loops, the concurrency pool, the libpq pool)
/// all allocate for the same long polls, so the spare arenas only hold memory. With one arena per core, the
/// controller holding 3,000 long polls is smaller and steadier (`plumb-bench propagation --hosts 3000`, side by side:
/// 246–250 MB VmRSS median, 264 MB at most, against 270–280 MB and one run at 349 MB), and answers them as fast.
enum MallocArenas {
    /// Limits the arenas to one per core, unless the operator chose a number (`MALLOC_ARENA_MAX`).
    static func limitToOnePerCore(environment: [String: String], cores: Int) {
        guard environment["MALLOC_ARENA_MAX"] == nil else { return }
        _ = plumb_malloc_limit_arenas(Int32(max(2, cores)))
    }
}
