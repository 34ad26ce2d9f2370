using Platform.Agent.DriverDisk;

namespace Platform.Tests.Unit.DriverDisk;

public class NtfsNamesTests
{
    [TestCase("driver.inf")]
    [TestCase("HP LaserJet 1020")]
    [TestCase("a.b.c")]
    [TestCase("CONSOLE")]
    [TestCase("COM10")]
    [TestCase("nul_driver")]
    [TestCase("驱动 Ünïcödé")]
    [TestCase(".hidden")]
    [TestCase("😀.txt")]
    public void Names_Windows_can_hold_pass(string name) => Assert.That(NtfsNames.ComponentProblem(name), Is.Null);

    [TestCase("", "is empty")]
    [TestCase(".", "is '.'")]
    [TestCase("..", "is '..'")]
    [TestCase("CON", "device name")]
    [TestCase("con.inf", "device name")]
    [TestCase("Nul.tar.gz", "device name")]
    [TestCase("NUL .txt", "device name")]
    [TestCase("COM1", "device name")]
    [TestCase("lpt9.sys", "device name")]
    [TestCase("COM¹", "device name")]
    [TestCase("CONIN$", "device name")]
    [TestCase("a:b", "':'")]
    [TestCase("a*b", "'*'")]
    [TestCase("a?b", "'?'")]
    [TestCase("a|b", "'|'")]
    [TestCase("a\"b", "'\"'")]
    [TestCase("a<b>", "'<'")]
    [TestCase("a\\b", "'\\'")]
    [TestCase("a/b", "'/'")]
    [TestCase("tab\there", "control character")]
    [TestCase("new\nline", "control character")]
    [TestCase("trailing.", "ends with a dot or a space")]
    [TestCase("trailing ", "ends with a dot or a space")]
    [TestCase("bad\uFFFD", "not valid UTF-8")]
    public void Names_Windows_or_ntfs_3g_refuse_are_refused(string name, string reason) =>
        Assert.That(NtfsNames.ComponentProblem(name), Does.Contain(reason));

    [Test]
    public void Unpaired_surrogates_are_refused()
    {
        Assert.That(NtfsNames.ComponentProblem("lone" + (char)0xD800), Does.Contain("not valid UTF-16"));
        Assert.That(NtfsNames.ComponentProblem((char)0xDC00 + "x"), Does.Contain("not valid UTF-16"));
    }

    [Test]
    public void A_name_may_have_255_characters_not_256()
    {
        Assert.That(NtfsNames.ComponentProblem(new string('a', 255)), Is.Null);
        Assert.That(NtfsNames.ComponentProblem(new string('a', 256)), Does.Contain("longer than 255"));
    }

    [TestCase("Universal 1")]
    [TestCase("HP-LaserJet_1020.v2")]
    public void Plain_target_names_pass(string name) => Assert.That(NtfsNames.TargetNameProblem(name), Is.Null);

    [TestCase(null, "is required")]
    [TestCase("", "is required")]
    [TestCase("a/b", "plain name")]
    [TestCase("a\\b", "plain name")]
    [TestCase("..", "'..'")]
    [TestCase("a..b", "'..'")]
    [TestCase(".hidden", "start with a dot")]
    [TestCase(" lead", "start with a dot or a space")]
    [TestCase("PRN", "device name")]
    [TestCase("x:", "':'")]
    public void Target_names_that_are_not_plain_safe_names_are_refused(string? name, string reason) =>
        Assert.That(NtfsNames.TargetNameProblem(name), Does.Contain(reason));

    [TestCase("config.ini")]
    [TestCase("HP LaserJet.gpd")]
    [TestCase("驱动.ini")]
    [TestCase("no-extension")]
    public void Plain_file_names_pass(string name) => Assert.That(NtfsNames.FileNameProblem(name), Is.Null);

    [TestCase(null, "is required")]
    [TestCase("", "is required")]
    [TestCase("../x", "plain file name")]
    [TestCase("a/b", "plain file name")]
    [TestCase("a\\b", "plain file name")]
    [TestCase("/etc/passwd", "plain file name")]
    [TestCase("..", "start with a dot")]
    [TestCase(".write-0123", "start with a dot")]
    [TestCase(" lead.ini", "start with a dot or a space")]
    [TestCase("CON", "device name")]
    [TestCase("aux.ini", "device name")]
    [TestCase("a:b", "':'")]
    [TestCase("end.", "ends with a dot or a space")]
    public void File_names_that_are_not_plain_safe_names_are_refused(string? name, string reason) =>
        Assert.That(NtfsNames.FileNameProblem(name), Does.Contain(reason));

    [Test]
    public void A_file_name_may_have_255_characters_not_256()
    {
        Assert.That(NtfsNames.FileNameProblem(new string('f', 255)), Is.Null);
        Assert.That(NtfsNames.FileNameProblem(new string('f', 256)), Does.Contain("longer than 255"));
    }

    [Test]
    public void Target_names_are_short() =>
        Assert.That(NtfsNames.TargetNameProblem(new string('n', NtfsNames.MaxTargetNameLength + 1)), Does.Contain("longer than"));
}
