using System.Text;
using Platform.Agent.Operations;

namespace Platform.Tests.Unit.Agent.Operations;

/// <summary>The index reads a line's header without its outcome, and refuses the lines a full parse refuses.</summary>
public class OperationRecordHeaderTests
{
    private const string Hash = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private const string Method = "/platform.agent.v1.RbdService/CreateImage";

    [Test]
    public void A_written_record_is_read_with_its_id_method_digest_time_status_and_place()
    {
        var at = new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);
        var line = OperationJournalFile.Serialize(OperationRecord.Success("op-1", Method, Hash, at, [1, 2, 3]))[..^1];
        var methods = new List<string>();

        var (id, record) = OperationRecordHeader.Read(line, new RecordLocation(100, line.Length), methods)!.Value;
        var again = OperationRecordHeader.Read(line, new RecordLocation(200, line.Length), methods)!.Value;

        Assert.That((id, record.Method, record.RequestHash.ToHex(), record.At, record.Code, record.Location), Is.EqualTo(("op-1", Method, Hash, at, Grpc.Core.StatusCode.OK, new RecordLocation(100, line.Length))));
        Assert.That(again.Record.Method, Is.SameAs(record.Method), "one string per method");
    }

    [TestCase("""{"id":"op","method":"/m","request_sha256":"HASH","at":"2025-06-01T12:00:00+00:00","code":5,"message":"gone"}""")]
    [TestCase("""{"id":"op","method":"/m","request_sha256":"HASH","at":"2025-06-01T12:00:00+00:00","code":0,"response":"AQID","extra":{"a":[1,2]}}""")]
    public void Lines_a_full_parse_accepts_are_read(string line) =>
        AssertAgree(line.Replace("HASH", Hash, StringComparison.Ordinal), readable: true);

    [TestCase("""{"id":"op","method":"/m","request_sha256":"HASH","at":"2025-06-01T12:00:00+00:00","code":0}""")]
    [TestCase("""{"id":"","method":"/m","request_sha256":"HASH","at":"2025-06-01T12:00:00+00:00","code":5}""")]
    [TestCase("""{"method":"/m","request_sha256":"HASH","at":"2025-06-01T12:00:00+00:00","code":5}""")]
    [TestCase("""{"id":"op","method":7,"request_sha256":"HASH","at":"2025-06-01T12:00:00+00:00","code":5}""")]
    [TestCase("""{"id":"op","method":"/m","request_sha256":"abc","at":"2025-06-01T12:00:00+00:00","code":5}""")]
    [TestCase("""{"id":"op","method":"/m","request_sha256":"HASH","at":"2025-06-01T12:00:00+00:00","code":17}""")]
    [TestCase("""{"id":"op","method":"/m","request_sha256":"HASH","at":"2025-06-01T12:00:00+00:00","code":"5"}""")]
    [TestCase("""{"id":"op","method":"/m","request_sha256":"HASH","at":"2025-06-01T12:00:00+00:00","code":5}x""")]
    [TestCase("""{"id":"op","method":"/m","request_sha256":"HASH","at":"2025-06-01T12:""")]
    [TestCase("""[1,2,3]""")]
    public void Lines_a_full_parse_refuses_are_unreadable(string line) =>
        AssertAgree(line.Replace("HASH", Hash, StringComparison.Ordinal), readable: false);

    [Test]
    public void A_request_digest_that_is_64_characters_but_not_hex_is_unreadable()
    {
        var line = Encoding.UTF8.GetBytes($$"""{"id":"op","method":"/m","request_sha256":"{{new string('z', 64)}}","at":"2025-06-01T12:00:00+00:00","code":5}""");

        Assert.That(OperationRecordHeader.Read(line, new RecordLocation(0, line.Length), []), Is.Null);
    }

    private static void AssertAgree(string text, bool readable)
    {
        var line = Encoding.UTF8.GetBytes(text);
        Assert.That(OperationJournalFile.Parse(line) is not null, Is.EqualTo(readable), "full parse");
        Assert.That(OperationRecordHeader.Read(line, new RecordLocation(0, line.Length), []) is not null, Is.EqualTo(readable), "header");
    }
}
