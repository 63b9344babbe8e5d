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
        let json = try PlumbJSON.encode(valid)
        let document = PostgresJSON(encoded: json)
        try await change { connection in
            let change = try Self.document(FacilityChange.self, connection,
                                           "SELECT plumb.put_facility($1::jsonb, $2) AS result", [document, actor])
            // Thrown inside the transaction: the facility just written is rolled back.
            if let refusal = LiveLeafDevices.changeRefusal(change?.leaves ?? [], in: valid)
                ?? NetworkMTU.loweringRefusal(change?.networks ?? [], in: valid) { throw refusal }
        }
        return DeclaredFacility(facility: valid, json: json)
    }

    /// What `plumb.put_facility` answers for the checks made in Swift.
    private struct FacilityChange: Decodable {
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
