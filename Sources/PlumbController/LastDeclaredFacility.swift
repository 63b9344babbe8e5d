import PlumbModel
import Synchronization

/// The facility a ``ControllerStore`` last declared, decoded, with the revision `plumb.facility` had after it: what
/// `PATCH /v1/facility` applies to without reading and decoding megabytes, once the change's transaction has seen
/// that the revision is still the current one. (Revisions are drawn at random, so a kept facility is never taken
/// for another, even after the database was restored from a backup.)
final class LastDeclaredFacility: Sendable {
    private let state = Mutex<(facility: Facility, revision: String)?>(nil)

    /// The facility and its revision, or nil before this store declared one.
    var current: (facility: Facility, revision: String)? {
        state.withLock { $0 }
    }

    /// Keeps `facility` as declared at `revision`. (Of two changes of this store finishing at once, the one kept may
    /// be the older; the next patch then sees another revision in the database and reads the document.)
    func remember(_ facility: Facility, revision: String) {
        state.withLock { $0 = (facility, revision) }
    }
}
