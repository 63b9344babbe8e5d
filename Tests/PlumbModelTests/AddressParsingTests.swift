import XCTest
@testable import PlumbModel

final class AddressParsingTests: XCTestCase {
    func testMACRoundTripAndFlags() throws {
        let mac = try XCTUnwrap(MACAddress("02:AB:cd:00:01:ff"))
        XCTAssertEqual(mac.description, "02:ab:cd:00:01:ff")
        XCTAssertTrue(mac.isLocallyAdministered)
        XCTAssertFalse(mac.isMulticast)
        XCTAssertTrue(try XCTUnwrap(MACAddress("01:00:5e:00:00:01")).isMulticast)
        for bad in ["", "02:ab:cd:00:01", "02:ab:cd:00:01:ff:00", "02-ab-cd-00-01-ff", "0g:00:00:00:00:00", "2:ab:cd:00:01:ff"] {
            XCTAssertNil(MACAddress(bad), bad)
        }
    }

    func testIPv4Parsing() throws {
        XCTAssertEqual(IPv4Address("198.18.0.1")?.description, "198.18.0.1")
        XCTAssertEqual(IPv4Address("198.18.0.1")?.value, 0xC612_0001)
        for bad in ["", "198.18.0", "198.18.0.256", "198.18.0.01", "a.b.c.d", "1.2.3.4.5", "1..2.3"] {
            XCTAssertNil(IPv4Address(bad), bad)
        }
    }

    func testPCIParsing() throws {
        let pci = try XCTUnwrap(PCIAddress("0000:3B:00.1"))
        XCTAssertEqual(pci.description, "0000:3b:00.1")
        for bad in ["", "0000:3b:00", "000:3b:00.1", "0000:3b:20.1", "0000:3b:00.8", "0000:zz:00.1"] {
            XCTAssertNil(PCIAddress(bad), bad)
        }
    }

    func testDecodingErrorNamesTheField() throws {
        let body = #"{"vni_ranges":[{"first":1,"last":2}],"leaves":[{"name":"l1","vtep_ip":"300.1.1.1","vlan_range":{"first":2,"last":9}}]}"#
        XCTAssertThrowsError(try PlumbJSON.decode(Facility.self, from: Data(body.utf8))) { error in
            let apiError = error as? APIError
            XCTAssertEqual(apiError?.status, 400)
            XCTAssertEqual(apiError?.field, "leaves[0].vtep_ip")
        }
        XCTAssertThrowsError(try PlumbJSON.decode(Facility.self, from: Data("{".utf8))) { error in
            XCTAssertEqual((error as? APIError)?.code, "malformed_json")
        }
        let wrongType = #"{"vni_ranges":[{"first":"one","last":2}]}"#
        XCTAssertThrowsError(try PlumbJSON.decode(Facility.self, from: Data(wrongType.utf8))) { error in
            XCTAssertEqual((error as? APIError)?.field, "vni_ranges[0].first")
        }
    }
}
