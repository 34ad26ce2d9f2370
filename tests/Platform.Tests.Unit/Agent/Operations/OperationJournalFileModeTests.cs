using Platform.Agent.Operations;

namespace Platform.Tests.Unit.Agent.Operations;

/// <summary>
/// The journal holds the requests' parameters and outcomes: it is the agent user's alone
/// (0600), whatever the umask, also when it was made by an older version or rewritten.
/// </summary>
public class OperationJournalFileModeTests
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private string _directory = null!;

    private string JournalPath => Path.Combine(_directory, "operations.journal");

    [SetUp]
    public void CreateDirectory() => _directory = Directory.CreateTempSubdirectory("journal-mode-tests-").FullName;

    [TearDown]
    public void RemoveDirectory() => Directory.Delete(_directory, recursive: true);

    [Test]
    public void A_new_journal_is_readable_by_its_owner_only()
    {
        using (OperationJournalFile.Open(JournalPath, DateTimeOffset.MinValue).File)
        {
            Assert.That(File.GetUnixFileMode(JournalPath), Is.EqualTo(OwnerOnly));
        }
    }

    [Test]
    public void A_world_readable_journal_of_an_older_version_is_narrowed_when_opened()
    {
        File.WriteAllText(JournalPath, "");
        File.SetUnixFileMode(JournalPath, OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        using (OperationJournalFile.Open(JournalPath, DateTimeOffset.MinValue).File)
        {
            Assert.That(File.GetUnixFileMode(JournalPath), Is.EqualTo(OwnerOnly));
        }
    }

    [Test]
    public void A_compacted_journal_stays_readable_by_its_owner_only()
    {
        var opened = OperationJournalFile.Open(JournalPath, DateTimeOffset.MinValue);
        using (opened.File)
        {
            opened.File.Compact([]);
            Assert.That(File.GetUnixFileMode(JournalPath), Is.EqualTo(OwnerOnly));
        }
    }
}
