import Foundation
import PlumbAPI
import PlumbController
import PlumbModel

/// Moves values between the generated wire types (`Components.Schemas`, what the API document says) and the
/// controller's domain types (PlumbModel, what its logic and the agent use), through their one JSON form.
///
/// Going to the domain, the domain's decoders add the checks JSON Schema cannot state (a VTEP's address
/// class, a unicast MAC), as 400s naming the field. Going to the wire, the generated decoders refuse any
/// member the document lacks: an answer that strays from the document fails here, before it is sent.
enum Wire {
    /// The domain value of a decoded request body.
    static func domain<T: Decodable>(_ type: T.Type, from wire: some Encodable) throws -> T {
        try PlumbJSON.decode(type, from: requestEncoder.encode(wire))
    }

    /// The wire value of a domain answer.
    static func wire<T: Decodable>(_ type: T.Type, from domain: some Encodable) throws -> T {
        try wire(type, fromJSON: PlumbJSON.encode(domain))
    }

    private static func wire<T: Decodable>(_ type: T.Type, fromJSON json: Data) throws -> T {
        try decoder.decode(type, from: json)
    }

    /// Writes a request body for the domain decoder, which does not care about key order: unsorted, the cheaper.
    private static let requestEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()
}
