import ServiceLifecycle
import UnixSignals

/// SIGTERM and SIGINT for the controller's whole life: a signal that arrives while it starts (an
/// embedded cluster can take seconds to create) is remembered, and the controller stops cleanly
/// once started (stopping its PostgreSQL too) instead of dying with the cluster left running.
actor StopRequest {
    private var requested = false
    private var group: ServiceGroup?

    /// Starts trapping the signals for the rest of the process's life.
    func trapSignals() async {
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        Task {
            for await _ in signals {
                await self.request()
            }
        }
    }

    /// True once a stop was asked for.
    var isRequested: Bool { requested }

    /// Asks for a stop: the running group shuts down gracefully, or will as soon as it is attached.
    func request() async {
        requested = true
        await group?.triggerGracefulShutdown()
    }

    /// The group that a stop shuts down (at once, if a stop was asked for already).
    func attach(_ group: ServiceGroup) async {
        self.group = group
        if requested { await group.triggerGracefulShutdown() }
    }
}
