import PlumbController
import PlumbModel
import XCTest

/// A status report's attachments follow what the document says of them: names by the name rules,
/// unicast MACs, numbers within their ranges; a refusal names the field.
final class StatusReportValidationTests: XCTestCase {
    private func report(_ attachment: Attachment) -> HostStatusReport {
        HostStatusReport(appliedGeneration: 1, attachments: [attachment])
    }

    private func assertInvalid(_ field: String, _ attachment: Attachment, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try StatusReportValidation.validate(report(attachment)), file: file, line: line) { error in
            XCTAssertEqual((error as? APIError)?.status, 400, file: file, line: line)
            XCTAssertEqual((error as? APIError)?.field, field, file: file, line: line)
        }
    }

    func testAValidAttachmentPasses() throws {
        let tap = Attachment(materialization: "exp1", vm: "vm1", nic: "eth0", kind: .tap, mac: MACAddress("02:00:00:00:00:01"),
                             mtu: 1450, tap: "pl020000000001", tapIfindex: 7)
        XCTAssertEqual(try StatusReportValidation.validate(report(tap)), report(tap))
    }

    func testNamesMACsAndNumbersAreChecked() {
        let base = Attachment(materialization: "exp1", vm: "vm1", nic: "eth0", kind: .vf)
        var attachment = base
        attachment.mac = .zero
        assertInvalid("attachments[0].mac", attachment)
        attachment = base
        attachment.vfIndex = 70_000
        assertInvalid("attachments[0].vf_index", attachment)
        attachment = base
        attachment.tapIfindex = 0
        assertInvalid("attachments[0].tap_ifindex", attachment)
        attachment = base
        attachment.nic = "a-name-longer-than-fifteen"
        assertInvalid("attachments[0].nic", attachment)
        attachment = base
        attachment.iommuGroup = Int(Int32.max) + 1
        assertInvalid("attachments[0].iommu_group", attachment)
    }
}
