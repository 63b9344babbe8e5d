import PlumbModel
import Synchronization

/// The facility a ``ControllerStore`` last declared, decoded, with the version `plumb.facility` had after it: what
/// `PATCH /v1/facility` applies to without reading and decoding megabytes, once the change's transaction has seen
/// that the version is still the current one.
final class LastDeclaredFacility: Sendable {
    private let state = Mutex<(facility: Facility, version: Int64)?>(nil)

    /// The facility and its version, or nil before this store declared one.
    var current: (facility: Facility, version: Int64)? {
        state.withLock { $0 }
    }

    /// Keeps `facility` as declared at `version`, unless a newer version is already kept (two changes of this
    /// store may finish in the other order than they committed).
    func remember(_ facility: Facility, version: Int64) {
        state.withLock { kept in
            if kept.map({ $0.version < version }) ?? true { kept = (facility, version) }
        }
    }
}
