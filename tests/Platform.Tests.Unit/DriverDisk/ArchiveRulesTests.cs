using Platform.Agent.DriverDisk;

namespace Platform.Tests.Unit.DriverDisk;

public class ArchiveRulesTests
{
    private static readonly ArchiveLimits Limits = new(MaxEntries: 10, MaxTotalBytes: 1000, MaxPathLength: 60);

    private static ArchiveEntry File(string path, long? size = 1, params (string Key, string Value)[] properties) =>
        new(path, false, size, properties.Append(("Path", path)).ToDictionary(p => p.Item1, p => p.Item2));

    private static ArchiveEntry Folder(string path) => new(path, true, 0, new Dictionary<string, string> { ["Path"] = path });

    private static ArchiveListing Listing(string type, params ArchiveEntry[] entries) => new(type, null, entries, entries.Length, []);

    private static (ArchiveSummary? Summary, DriverDiskError? Error) Check(ArchiveListing listing, DriverFolder folder = DriverFolder.Printer) =>
        ArchiveRules.Check(listing, folder, "Name", Limits);

    [Test]
    public void A_plain_archive_is_summarized_with_its_implicit_folders()
    {
        var (summary, error) = Check(Listing("zip", File("a/b/c.inf", 10), File("a/d.sys", 20), Folder("e")));
        Assert.That(error, Is.Null);
        Assert.That(summary, Is.EqualTo(new ArchiveSummary("zip", Files: 2, Folders: 3, TotalBytes: 30)));
    }

    [TestCase("SystemUniversal", "Iso", true)]
    [TestCase("SystemUniversal", "Udf", true)]
    [TestCase("SystemUniversal", "zip", false)]
    [TestCase("SystemExtracted", "zip", true)]
    [TestCase("SystemExtracted", "7z", true)]
    [TestCase("SystemExtracted", "Iso", false)]
    [TestCase("Printer", "zip", true)]
    [TestCase("Printer", "7z", false)]
    [TestCase("Printer", "PE", false)]
    [TestCase("Printer", "ELF", false)]
    public void The_folder_decides_which_content_types_it_takes(string folderName, string type, bool accepted)
    {
        var folder = Enum.Parse<DriverFolder>(folderName);
        var (_, error) = Check(Listing(type, File("a.inf")), folder);
        if (accepted)
        {
            Assert.That(error, Is.Null);
        }
        else
        {
            Assert.That(error!.Kind, Is.EqualTo(DriverDiskErrorKind.UnacceptableType));
            Assert.That(error.Message, Does.Contain(type));
        }
    }

    [Test]
    public void No_type_is_no_archive()
    {
        var (_, error) = Check(new ArchiveListing(null, null, [], 0, ["7-Zip cannot read it (exit code 2)"]));
        Assert.That(error!.Kind, Is.EqualTo(DriverDiskErrorKind.InvalidArchive));
        Assert.That(error.Details.Single().Reason, Does.Contain("cannot read"));
    }

    [TestCase("/etc/passwd", "absolute path")]
    [TestCase("../x.inf", "climbs out with '..'")]
    [TestCase("a/../../x.inf", "climbs out with '..'")]
    [TestCase("a\\..\\x.inf", "holds '\\'")]
    [TestCase("a//b.inf", "is empty")]
    [TestCase("a/./b.inf", "is '.'")]
    [TestCase("drv/AUX.inf", "device name")]
    [TestCase("drv/x:y", "':'")]
    [TestCase("drv/trail.", "ends with a dot")]
    [TestCase("a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r/s/t/u/v/w/x/y.inf", "more than 60")]
    public void Unsafe_entry_paths_are_refused(string path, string reason)
    {
        var (_, error) = Check(Listing("zip", File("ok.inf"), File(path)));
        Assert.That(error!.Kind, Is.EqualTo(DriverDiskErrorKind.InvalidArchive));
        Assert.That(error.Details.Select(d => d.Field + ": " + d.Reason), Has.Some.Contains(reason));
    }

    [TestCase("Attributes", " lrwxrwxrwx", "symbolic link")]
    [TestCase("Attributes", "A lrwxrwxrwx", "symbolic link")]
    [TestCase("Mode", "lrwxrwxrwx", "symbolic link")]
    [TestCase("Symbolic Link", "/etc/passwd", "symbolic link")]
    [TestCase("Hard Link", "other/file", "hard link")]
    [TestCase("Link", "other/file", "hard link")]
    [TestCase("Attributes", "AL", "reparse point")]
    [TestCase("Attributes", " crw-rw-rw-", "device or special file")]
    [TestCase("Mode", "brw-------", "device or special file")]
    [TestCase("Mode", "prw-r--r--", "device or special file")]
    [TestCase("Mode", "srwxr-xr-x", "device or special file")]
    [TestCase("Encrypted", "+", "encrypted")]
    public void Links_devices_and_encrypted_entries_are_refused(string key, string value, string reason)
    {
        var (_, error) = Check(Listing("zip", File("x.inf", 1, (key, value))));
        Assert.That(error!.Details.Single().Reason, Does.Contain(reason));
    }

    [TestCase("Attributes", " -rw-r--r--")]
    [TestCase("Attributes", "D drwxr-xr-x")]
    [TestCase("Attributes", "V 01800000 0rw-------")]
    [TestCase("Attributes", "RHA")]
    [TestCase("Mode", "")]
    [TestCase("Symbolic Link", "")]
    [TestCase("Encrypted", "-")]
    public void Plain_attributes_pass(string key, string value) =>
        Assert.That(Check(Listing("zip", File("x.inf", 1, (key, value)))).Error, Is.Null);

    [Test]
    public void A_file_without_a_size_is_refused() =>
        Assert.That(Check(Listing("zip", File("x.inf", null))).Error!.Details.Single().Reason, Does.Contain("does not state its size"));

    [Test]
    public void Names_differing_only_in_case_are_refused() =>
        Assert.That(Check(Listing("zip", File("Drv/A.inf"), File("drv/a.INF"))).Error!.Details.Single().Reason, Does.Contain("appears twice"));

    [Test]
    public void A_file_that_is_also_a_folder_is_refused() =>
        Assert.That(Check(Listing("zip", File("a"), File("a/b.inf"))).Error!.Details.Single().Reason, Does.Contain("also a folder"));

    [Test]
    public void More_entries_than_allowed_are_refused_counting_implicit_folders()
    {
        var files = Enumerable.Range(0, 6).Select(i => File($"d{i}/f.inf")).ToArray();
        var error = Check(Listing("zip", files)).Error;
        Assert.That(error!.Details.Single().Reason, Does.Contain("12 files and folders, more than the 10 allowed"));
    }

    [Test]
    public void A_listing_cut_at_the_limit_is_refused()
    {
        var listing = new ArchiveListing("zip", null, [File("a.inf")], 5000, []);
        Assert.That(Check(listing).Error!.Details.Single().Reason, Does.Contain("5000 entries, more than the 10 allowed"));
    }

    [Test]
    public void More_bytes_than_allowed_are_refused() =>
        Assert.That(Check(Listing("zip", File("a.sys", 600), File("b.sys", 401))).Error!.Details.Single().Reason, Does.Contain("1001 bytes, more than the 1000 allowed"));

    [Test]
    public void An_archive_without_files_is_refused() =>
        Assert.That(Check(Listing("zip", Folder("empty"))).Error!.Details.Single().Reason, Does.Contain("holds no files"));

    [Test]
    public void An_archive_that_does_not_start_the_file_is_refused() =>
        Assert.That(Check(new ArchiveListing("zip", 512, [File("a.inf")], 1, [])).Error!.Details.Single().Reason, Does.Contain("512 bytes into the file"));

    [Test]
    public void Listing_problems_are_refusals() =>
        Assert.That(Check(new ArchiveListing("zip", null, [File("a.inf")], 1, ["7-Zip errors: Unexpected end of archive"])).Error!.Kind, Is.EqualTo(DriverDiskErrorKind.InvalidArchive));

    [Test]
    public void Only_the_first_twenty_problems_are_detailed()
    {
        var entries = Enumerable.Range(0, 30).Select(i => File($"../{i}.inf")).ToArray();
        var error = ArchiveRules.Check(Listing("zip", entries), DriverFolder.Printer, "Name", Limits with { MaxEntries = 100 }).Error!;
        Assert.That(error.Details, Has.Count.EqualTo(ArchiveRules.MaxReportedProblems + 1));
        Assert.That(error.Details[^1].Reason, Does.Contain("and 10 more problems"));
    }
}
