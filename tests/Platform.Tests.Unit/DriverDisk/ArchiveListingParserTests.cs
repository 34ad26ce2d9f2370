using Platform.Agent.DriverDisk;

namespace Platform.Tests.Unit.DriverDisk;

/// <summary>Type detection and entry parsing from `7zz l -slt` output (samples as 7-Zip 26 prints them).</summary>
public class ArchiveListingParserTests
{
    private const string Preamble = """

        7-Zip (z) 26.02 (x64) : Copyright (c) 1999-2026 Igor Pavlov : 2026-06-25
         64-bit locale=C.UTF-8 Threads:2 OPEN_MAX:20000

        Scanning the drive for archives:
        1 file, 586 bytes (1 KiB)

        Listing archive: upload.tq

        """;

    private const string Zip = Preamble + """
        --
        Path = upload.tq
        Type = zip
        Physical Size = 586

        ----------
        Path = b.inf
        Folder = -
        Size = 2
        Packed Size = 2
        Modified = 2026-12-06 15:44:52
        Created = 
        Accessed = 
        Attributes =  -rw-r--r--
        Encrypted = -
        Comment = 
        CRC = 46EA081F
        Method = Store
        Characteristics = UT:MA:1 ux
        Host OS = Unix
        Version = 10
        Volume Index = 0
        Offset = 0

        Path = d
        Folder = +
        Size = 0
        Packed Size = 0
        Attributes = D drwxr-xr-x
        Encrypted = -

        Path = d/a.txt
        Folder = -
        Size = 3
        Packed Size = 3
        Attributes =  -rw-r--r--
        Encrypted = -

        """;

    private const string Iso = Preamble + """
        --
        Path = t.iso
        Type = Iso
        Physical Size = 477184
        Comment = 
        {
        VolumeSpaceSize: 477184
        VolumeSetSize: 1
        }
        Created = 2026-12-06 15:45:02.00

        ----------
        Path = big.bin
        Folder = -
        Size = 100000
        Packed Size = 100000
        Modified = 2026-12-06 15:45:02
        Mode = 
        Symbolic Link = 

        Path = lnk
        Folder = -
        Size = 0
        Packed Size = 0
        Mode = lrwxrwxrwx
        Symbolic Link = real

        """;

    [Test]
    public void A_zip_listing_gives_its_type_and_every_entry()
    {
        var listing = ArchiveListingParser.Parse(Zip, 100);
        Assert.That(listing.Type, Is.EqualTo("zip"));
        Assert.That(listing.Problems, Is.Empty);
        Assert.That(listing.Entries.Select(e => (e.Path, e.IsFolder, e.Size)), Is.EqualTo(new[] { ("b.inf", false, (long?)2), ("d", true, 0), ("d/a.txt", false, 3) }));
        Assert.That(listing.Entries[0].Property("Attributes"), Is.EqualTo(" -rw-r--r--"));
        Assert.That(listing.Entries[0].Property("Created"), Is.Empty);
    }

    [Test]
    public void An_iso_listing_with_a_multi_line_comment_gives_Iso_and_its_links()
    {
        var listing = ArchiveListingParser.Parse(Iso, 100);
        Assert.That(listing.Type, Is.EqualTo("Iso"));
        Assert.That(listing.Problems, Is.Empty);
        Assert.That(listing.Entries.Select(e => e.Path), Is.EqualTo(new[] { "big.bin", "lnk" }));
        Assert.That(listing.Entries[1].Property("Symbolic Link"), Is.EqualTo("real"));
    }

    [Test]
    public void A_program_is_typed_by_its_content_and_its_sections_Type_does_not_count()
    {
        var listing = ArchiveListingParser.Parse(Preamble + """
            --
            Path = setup.iso
            Type = ELF
            Physical Size = 2656752
            CPU = AMD64

            ----------
            Path = NULL
            Folder = -
            Size = 0
            Type = NULL

            Path = .interp
            Folder = -
            Size = 28
            Type = PROGBITS

            """, 100);
        Assert.That(listing.Type, Is.EqualTo("ELF"));
    }

    [Test]
    public void Something_that_is_no_archive_has_no_type_and_says_why()
    {
        var listing = ArchiveListingParser.Parse(Preamble + "\n\nErrors: 1\n", 100);
        Assert.That(listing.Type, Is.Null);
        Assert.That(listing.Problems, Is.Not.Empty);
    }

    [Test]
    public void Archive_errors_and_warnings_are_problems()
    {
        var listing = ArchiveListingParser.Parse(Preamble + """
            --
            Path = trunc.zip
            Type = zip
            ERRORS:
            Unexpected end of archive
            Physical Size = 3000

            ----------
            Path = big.bin
            Folder = -
            Size = 20000


            Errors: 1
            """, 100);
        Assert.That(listing.Type, Is.EqualTo("zip"));
        Assert.That(listing.Problems, Has.Some.Contains("Unexpected end of archive"));
        Assert.That(listing.Problems, Has.Some.Contains("Errors: 1"));
    }

    [Test]
    public void A_comment_forging_an_entries_separator_makes_the_listing_unusable()
    {
        var listing = ArchiveListingParser.Parse(Preamble + """
            --
            Path = evil.zip
            Type = zip
            Comment = x
            ----------
            Path = harmless.inf
            Folder = -
            Size = 1

            ----------
            Path = ../../evil
            Folder = -
            Size = 1

            """, 100);
        Assert.That(listing.Problems, Has.Some.Contains("repeats its entry separator"));
    }

    [Test]
    public void A_name_with_a_line_break_forging_a_property_is_caught_as_a_repeated_property()
    {
        // An entry named "big.sys\nFolder = +" would otherwise pass as a folder, its size uncounted.
        var listing = ArchiveListingParser.Parse(Zip.Replace("Path = b.inf\nFolder = -", "Path = b.inf\nFolder = +\nFolder = -", StringComparison.Ordinal), 100);
        Assert.That(listing.Problems, Has.Some.Contains("lists 'Folder' twice"));
    }

    [Test]
    public void An_entry_without_its_folder_flag_is_a_problem()
    {
        var listing = ArchiveListingParser.Parse(Zip.Replace("Path = b.inf\nFolder = -\n", "Path = b.inf\n", StringComparison.Ordinal), 100);
        Assert.That(listing.Problems, Has.Some.Contains("does not say whether it is a folder"));
    }

    [Test]
    public void Unexpected_lines_among_the_entries_are_problems()
    {
        var listing = ArchiveListingParser.Parse(Zip + "some stray text\n", 100);
        Assert.That(listing.Problems, Has.Some.Contains("unexpected line"));
    }

    [Test]
    public void Entries_past_the_limit_are_counted_but_not_kept()
    {
        var listing = ArchiveListingParser.Parse(Zip, 2);
        Assert.That(listing.EntryCount, Is.EqualTo(3));
        Assert.That(listing.Entries, Has.Count.EqualTo(2));
        Assert.That(listing.Truncated, Is.True);
    }

    [Test]
    public void An_archive_found_inside_a_file_reports_its_offset()
    {
        var listing = ArchiveListingParser.Parse(Zip.Replace("Type = zip\n", "Type = zip\nOffset = 4096\n", StringComparison.Ordinal), 100);
        Assert.That(listing.Offset, Is.EqualTo(4096));
    }
}
