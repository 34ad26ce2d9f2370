using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Platform.Agent.Operations;
using Platform.Contracts.Agent.V1;

namespace Platform.Tests.Unit.Agent.Operations;

/// <summary>
/// The journal keeps in memory only what deciding needs; outcomes are read back from the file,
/// also after the file was compacted, and what opening finds (torn, repeated, hand-written lines)
/// leaves a file whose later records start on lines of their own.
/// </summary>
public class OperationJournalMemoryTests
{
    private const string Create = "/platform.agent.v1.RbdService/CreateImage";

    private string _directory = null!;
    private ManualTime _time = null!;

    private string JournalPath => Path.Combine(_directory, "operations.journal");

    [SetUp]
    public void CreateDirectory()
    {
        _directory = Directory.CreateTempSubdirectory("journal-memory-tests-").FullName;
        _time = new ManualTime(new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero));
    }

    [TearDown]
    public void RemoveDirectory() => Directory.Delete(_directory, recursive: true);

    [Test]
    public void An_indexed_record_is_the_size_the_journal_counts_for_it()
    {
        // BytesHeld counts the struct as 80 bytes: kept true if fields are added.
        Assert.That(Unsafe.SizeOf<RecordedOperation>(), Is.LessThanOrEqualTo(80));
    }

    [Test]
    public async Task Twenty_thousand_loaded_outcomes_hold_a_small_index_not_their_responses()
    {
        const int Records = 20_000;
        // 2 KiB responses: what the journal held per record before only the index stayed in memory.
        WriteJournal(Records, snapshotsPerResponse: 64);
        using var journal = Open();
        var before = GC.GetTotalMemory(forceFullCollection: true);

        var replayed = await journal.RunAsync("op-00007", Create, Request("vol-00007"), CancellationToken.None, _ => Task.FromResult(new RbdImage()));
        var after = GC.GetTotalMemory(forceFullCollection: true);

        var perRecord = (after - before) / (double)Records;
        TestContext.Out.WriteLine($"{Records} records ({new FileInfo(JournalPath).Length / 1024} KiB on disk): {(after - before) / 1024} KiB held, {perRecord:0} B per record; the journal counts {journal.Figures.BytesHeld / 1024} KiB");
        Assert.That(journal.RecordCount, Is.EqualTo(Records));
        Assert.That(perRecord, Is.LessThan(400), "bytes held per loaded record");
        Assert.That(journal.Figures.BytesHeld / (double)Records, Is.EqualTo(perRecord).Within(25).Percent, "the journal's own figure");
        Assert.That((replayed.Name, replayed.Snapshots.Count), Is.EqualTo(("vol-00007", 64)), "replayed in full from the file");
    }

    [Test]
    public async Task The_health_check_describes_the_journal_without_opening_it()
    {
        using var journal = Open();
        var closed = OperationJournalHealthCheck.Describe(journal.Figures);
        await journal.RunAsync("op-h", Create, Request("vol-h"), CancellationToken.None, _ => Task.FromResult(Image("vol-h", 1)));

        Assert.That(closed, Does.StartWith("not opened yet"));
        Assert.That(OperationJournalHealthCheck.Describe(journal.Figures), Does.Match("^1 outcomes indexed in [0-9]+ KiB of memory, 0 running; file 0 KiB$"));
    }

    [Test]
    public async Task An_outcome_recorded_in_this_run_is_replayed_from_the_file_with_its_full_response()
    {
        using var journal = Open();
        var big = Image("vol-big", 1);
        big.Snapshots.AddRange(Enumerable.Range(0, 2000).Select(i => $"snapshot-{i:D6}"));

        await journal.RunAsync("op-big", Create, Request("vol-big"), CancellationToken.None, _ => Task.FromResult(big));
        var replayed = await journal.RunAsync("op-big", Create, Request("vol-big"), CancellationToken.None, _ => Task.FromResult(Image("vol-big", 2)));

        Assert.That(replayed, Is.EqualTo(big));
        Assert.That(journal.Figures.BytesHeld, Is.LessThan(400), "the 30 KB response is not held");
    }

    [Test]
    public async Task Expired_outcomes_leave_memory_and_the_file_is_compacted_while_the_agent_runs()
    {
        var journal = Open();
        for (var i = 0; i < 3000; i++)
        {
            await journal.RunAsync($"op-old-{i}", Create, Request($"vol-{i}"), CancellationToken.None, _ => Task.FromResult(Padded($"vol-{i}")));
        }
        _time.Advance(TimeSpan.FromDays(6));
        await journal.RunAsync("op-kept", Create, Request("vol-kept"), CancellationToken.None, _ => Task.FromResult(Image("vol-kept", 42)));
        var grown = new FileInfo(JournalPath).Length;
        _time.Advance(TimeSpan.FromDays(1) + TimeSpan.FromHours(1));

        // The first outcome recorded after the prune interval prunes and compacts.
        await journal.RunAsync("op-new", Create, Request("vol-new"), CancellationToken.None, _ => Task.FromResult(Image("vol-new", 7)));
        var runs = 0;
        var kept = await journal.RunAsync("op-kept", Create, Request("vol-kept"), CancellationToken.None, _ => Task.FromResult(Image("vol-kept", ++runs)));
        var expired = await journal.RunAsync("op-old-5", Create, Request("vol-5"), CancellationToken.None, _ => Task.FromResult(Image("vol-5", ++runs)));
        var fresh = await journal.RunAsync("op-new", Create, Request("vol-new"), CancellationToken.None, _ => Task.FromResult(Image("vol-new", ++runs)));

        Assert.That(grown, Is.GreaterThan(1 << 20), "past the compaction threshold");
        Assert.That((kept.SizeBytes, fresh.SizeBytes), Is.EqualTo((42UL, 7UL)), "replayed from their new places in the compacted file");
        Assert.That(expired.SizeBytes, Is.EqualTo(1UL), "expired: executed again");
        Assert.That(runs, Is.EqualTo(1));
        Assert.That(journal.RecordCount, Is.EqualTo(3));
        journal.Dispose();
        Assert.That(Ids(), Is.EqualTo(new[] { "op-kept", "op-new", "op-old-5" }));
    }

    [Test]
    public async Task A_whole_last_record_without_its_newline_is_kept_and_the_next_record_starts_a_line_of_its_own()
    {
        using (var journal = Open())
        {
            await journal.RunAsync("op-1", Create, Request("vol-1"), CancellationToken.None, _ => Task.FromResult(Image("vol-1", 1)));
        }
        File.WriteAllText(JournalPath, File.ReadAllText(JournalPath).TrimEnd('\n'));

        using (var journal = Open())
        {
            await journal.RunAsync("op-2", Create, Request("vol-2"), CancellationToken.None, _ => Task.FromResult(Image("vol-2", 2)));
        }

        Assert.That(Ids(), Is.EqualTo(new[] { "op-1", "op-2" }));
        using var reopened = Open();
        var runs = 0;
        var first = await reopened.RunAsync("op-1", Create, Request("vol-1"), CancellationToken.None, _ => Task.FromResult(Image("vol-1", ++runs)));
        Assert.That((first.SizeBytes, runs), Is.EqualTo((1UL, 0)));
    }

    [Test]
    public async Task A_repeated_id_in_the_file_keeps_its_first_record_and_the_file_is_rewritten_without_the_repeat()
    {
        var first = Line("op-dup", "vol-a", Image("vol-a", 1));
        var second = Line("op-dup", "vol-a", Image("vol-a", 2));
        File.WriteAllText(JournalPath, first + "\n" + "not json at all\n" + second + "\n");

        RbdImage replayed;
        using (var journal = Open())
        {
            replayed = await journal.RunAsync("op-dup", Create, Request("vol-a"), CancellationToken.None, _ => Task.FromResult(Image("vol-a", 3)));
        }

        Assert.That(replayed.SizeBytes, Is.EqualTo(1UL));
        Assert.That(File.ReadAllLines(JournalPath), Is.EqualTo(new[] { first }));
    }

    [Test]
    public async Task A_record_changed_behind_the_journal_is_dropped_and_the_operation_runs_again()
    {
        using var journal = Open();
        await journal.RunAsync("op-x", Create, Request("vol-x"), CancellationToken.None, _ => Task.FromResult(Image("vol-x", 1)));
        // Same length, other bytes: what the journal finds there is no record of op-x.
        var length = journal.Figures.FileBytes;
        var dd = new System.Diagnostics.ProcessStartInfo("dd", ["of=" + JournalPath, "conv=notrunc", "status=none"]) { RedirectStandardInput = true };
        using (var overwrite = System.Diagnostics.Process.Start(dd)!)
        {
            // Another process, as the journal holds the file locked against this one.
            await overwrite.StandardInput.WriteAsync(new string('x', (int)length - 1));
            overwrite.StandardInput.Close();
            await overwrite.WaitForExitAsync();
        }

        var runs = 0;
        var again = await journal.RunAsync("op-x", Create, Request("vol-x"), CancellationToken.None, _ => Task.FromResult(Image("vol-x", ++runs + 1)));

        Assert.That((again.SizeBytes, runs), Is.EqualTo((2UL, 1)));
    }

    /// <summary>Records op-00000… for vol-00000… each with a response of <paramref name="snapshotsPerResponse"/> snapshot names.</summary>
    private void WriteJournal(int records, int snapshotsPerResponse)
    {
        using var file = new StreamWriter(JournalPath, append: false, new UTF8Encoding(false));
        for (var i = 0; i < records; i++)
        {
            var image = Image($"vol-{i:D5}", i);
            image.Snapshots.AddRange(Enumerable.Range(0, snapshotsPerResponse).Select(s => $"platform-clone-{s:D16}"));
            file.Write(Line($"op-{i:D5}", $"vol-{i:D5}", image));
            file.Write('\n');
        }
    }

    private string Line(string operationId, string volume, RbdImage response) =>
        Encoding.UTF8.GetString(OperationJournalFile.Serialize(OperationRecord.Success(
            operationId, Create, Convert.ToHexStringLower(SHA256.HashData(Request(volume).ToByteArray())), _time.GetUtcNow(), response.ToByteArray()))).TrimEnd('\n');

    private List<string?> Ids() =>
        [.. File.ReadAllLines(JournalPath).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("id").GetString()).Order(StringComparer.Ordinal)];

    private OperationJournal Open() =>
        new(Options.Create(new OperationsOptions { JournalPath = JournalPath, Retention = TimeSpan.FromDays(7) }), _time, NullLogger<OperationJournal>.Instance);

    private static CreateImageRequest Request(string name) => new() { OperationId = "ignored-by-the-hash-only", Pool = "volumes", Name = name, SizeBytes = 1 << 20 };

    private static RbdImage Image(string name, int size) => new() { Pool = "volumes", Name = name, SizeBytes = (ulong)size };

    /// <summary>About 400 bytes a line: 3000 of them pass the compaction threshold.</summary>
    private static RbdImage Padded(string name)
    {
        var image = Image(name, 1);
        image.Snapshots.AddRange(Enumerable.Range(0, 8).Select(s => $"platform-clone-{s:D16}"));
        return image;
    }

    private sealed class ManualTime(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset _now = start;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
