import PlumbAPI
import PlumbController

/// Who may call an operation of the API (see ``Caller``).
///
/// Roles: the admin token may call everything; the Cogs token may read and change materializations and
/// read everything else, but declaring the facility, issuing host tokens and forcing releases are
/// admin-only; a host's token may only read its own desired state and report its own status.
public enum Access: Sendable, Hashable {
    /// Anyone, without a token (`/healthz`, `/metrics`).
    case anyone
    /// The admin token only.
    case admin
    /// The admin or the Cogs token.
    case cogs
    /// The admin or Cogs token, or the token of the host of this kind named in the path.
    case ownHostReads(HostKey.Kind)
    /// The admin token, or the token of the host (of either kind) named in the path.
    case ownHostReports

    /// The access of every operation, by the operation id of `controller/openapi.json` (which states it as
    /// `x-plumb-access`; a test holds the two together). An operation missing here is refused to all but the admin.
    public static let byOperation: [String: Access] = [
        Operations.PutFacility.id: .admin,
        Operations.PatchFacility.id: .admin,
        Operations.GetFacility.id: .cogs,
        Operations.ListMaterializations.id: .cogs,
        Operations.PutMaterialization.id: .cogs,
        Operations.GetMaterialization.id: .cogs,
        Operations.DeleteMaterialization.id: .cogs,
        Operations.VmAttachments.id: .cogs,
        Operations.ListHosts.id: .cogs,
        Operations.HostDesired.id: .ownHostReads(.hypervisor),
        Operations.PutHostStatus.id: .ownHostReports,
        Operations.IssueHostToken.id: .admin,
        Operations.ForceRelease.id: .admin,
        Operations.LeafDesired.id: .ownHostReads(.leaf),
        Operations.AuditVNI.id: .cogs,
        Operations.Health.id: .anyone,
        Operations.Metrics.id: .anyone,
    ]
}
