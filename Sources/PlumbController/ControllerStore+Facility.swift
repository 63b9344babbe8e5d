import Foundation
import PlumbModel
import PlumbPostgres

/// A facility as declared: the validated value and its wire JSON (``PlumbJSON``), the bytes stored and the
/// bytes `PUT /v1/facility` answers with, encoded once.
public struct DeclaredFacility: Sendable, Equatable {
    public var facility: Facility
    public var json: Data
}

extension ControllerStore {
    /// `PUT /v1/facility`: declares the whole facility. Idempotent; refuses (409, naming the field and
    /// what uses it) any change to something in use, any change that would lower a live network's
    /// MTU (``NetworkMTU/loweringRefusal(_:in:)`` says why) and any change of the devices or tag protocol of a
    /// leaf that carries VLANs (``LiveLeafDevices``); raises the generation of hosts whose facts changed.
    @discardableResult
    public func putFacility(_ facility: Facility, actor: String = "admin") async throws -> DeclaredFacility {
        let valid = try FacilityValidation.validate(facility)
        let json = valid.wireJSON()
        let revision = try await change { connection in
            try Self.declare(valid, json: json, connection, actor: actor)
        }
        lastDeclared.remember(valid, revision: revision)
        return DeclaredFacility(facility: valid, json: json)
    }

    /// `PATCH /v1/facility`: changes some declared hypervisors (``FacilityPatch/apply(to:)``) and declares the
    /// facility that makes, in one transaction that waits for every other change: the same checks, refusals and
    /// generation rises as ``putFacility(_:actor:)``, each refusal pointed at the patch
    /// (``FacilityPatch/pointedAtPatch(_:in:)``). 404 before the first declaration.
    ///
    /// The facility patched is the one this store last declared, when the database's revision says it is still the
    /// current one; otherwise (another replica declared since) the stored document, read in the same transaction.
    @discardableResult
    public func patchFacility(_ patch: FacilityPatch, actor: String = "admin") async throws -> DeclaredFacility {
        let known = lastDeclared.current
        let (declared, revision) = try await change { connection -> (DeclaredFacility, String) in
            let row = try connection.query("SELECT document FROM plumb.begin_facility_patch($1, $2)",
                                           [actor, known?.revision ?? ""]).rows.first
            guard let row else { throw APIError.notFound("no facility has been declared yet (PUT /v1/facility)") }
            // The document comes only when the revision is not the one known.
            let current: Facility
            if let known, row.optionalString("document") == nil {
                current = known.facility
            } else {
                current = try PlumbJSON.decode(Facility.self, from: Data(try row.string("document").utf8))
            }
            let facility = try patch.apply(to: current)
            do {
                let valid = try FacilityValidation.validate(facility)
                let json = valid.wireJSON()
                return (DeclaredFacility(facility: valid, json: json), try Self.declare(valid, json: json, connection, actor: actor))
            } catch let refusal as APIError {
                throw patch.pointedAtPatch(refusal, in: facility)
            } catch let error as PostgresError {
                guard let refusal = APIError(refusal: error) else { throw error }
                throw patch.pointedAtPatch(refusal, in: facility)
            }
        }
        lastDeclared.remember(declared.facility, revision: revision)
        return declared
    }

    /// Writes a validated facility (`plumb.put_facility`) and makes the checks done in Swift, inside the caller's
    /// transaction: a refusal thrown here rolls back what was written. Returns the facility's revision after it.
    private static func declare(_ valid: Facility, json: Data, _ connection: PostgresConnection, actor: String) throws -> String {
        let change = try Self.document(FacilityChange.self, connection, "SELECT plumb.put_facility($1::jsonb, $2) AS result",
                                       [PostgresJSON(encoded: json), actor])
        if let refusal = LiveLeafDevices.changeRefusal(change?.leaves ?? [], in: valid)
            ?? NetworkMTU.loweringRefusal(change?.networks ?? [], in: valid) { throw refusal }
        guard let revision = change?.revision else { throw StoreError.unavailable(reason: "plumb.put_facility answered no revision") }
        return revision
    }

    /// What `plumb.put_facility` answers for the checks made in Swift, and the facility's revision after it.
    private struct FacilityChange: Decodable {
        var revision: String
        var networks: [NetworkMTU.StoredNetwork]
        var leaves: [LiveLeafDevices.Leaf]
    }

    /// `GET /v1/facility`: the facility as last declared; 404 before the first declaration.
    public func facility() async throws -> Facility {
        let facility = try await read { connection in
            try Self.document(Facility.self, connection, "SELECT document AS result FROM plumb.facility", [])
        }
        guard let facility else { throw APIError.notFound("no facility has been declared yet (PUT /v1/facility)") }
        return facility
    }
}
