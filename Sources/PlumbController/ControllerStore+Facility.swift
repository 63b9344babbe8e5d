import PlumbModel
import PlumbPostgres

extension ControllerStore {
    /// `PUT /v1/facility`: declares the whole facility. Idempotent; refuses (409, naming the field and
    /// what uses it) any change to something in use; raises the generation of hosts whose facts changed.
    @discardableResult
    public func putFacility(_ facility: Facility, actor: String = "admin") async throws -> Facility {
        let valid = try FacilityValidation.validate(facility)
        let document = try Self.json(valid)
        try await change { connection in
            try connection.query("SELECT plumb.put_facility($1::jsonb, $2)", [document, actor])
        }
        return valid
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
