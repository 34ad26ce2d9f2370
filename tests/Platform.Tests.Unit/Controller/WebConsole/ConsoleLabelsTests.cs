using System.Text.RegularExpressions;

namespace Platform.Tests.Unit.Controller.WebConsole;

/// <summary>
/// The console's labels: every key its scripts ask for exists in English and in Chinese, and both
/// dictionaries hold the same keys, so that switching the language never shows a raw key.
/// </summary>
[TestFixture]
public sealed partial class ConsoleLabelsTests
{
    private static readonly string ConsoleRoot = Path.Combine(StartupValidation.Repository, "controller", "Platform.Controller", "wwwroot", "console");

    [Test]
    public void Both_dictionaries_have_the_same_keys()
    {
        var english = KeysOf("en");
        var chinese = KeysOf("zh");
        Assert.That(english, Is.Not.Empty);
        Assert.That(chinese.Except(english), Is.Empty, "only in zh.js");
        Assert.That(english.Except(chinese), Is.Empty, "only in en.js");
    }

    [Test]
    public void Every_label_the_scripts_use_is_in_the_dictionaries()
    {
        var english = KeysOf("en");
        var used = Directory.EnumerateFiles(Path.Combine(ConsoleRoot, "js"), "*.js", SearchOption.AllDirectories)
            .Where(file => !file.Contains($"{Path.DirectorySeparatorChar}lang{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(file => LabelUse().Matches(File.ReadAllText(file)).Select(match => match.Groups[1].Value))
            .ToHashSet(StringComparer.Ordinal);
        used.UnionWith(Regex.Matches(File.ReadAllText(Path.Combine(ConsoleRoot, "index.html")), "data-i18n(?:-label)?=\"([^\"]+)\"").Select(match => match.Groups[1].Value));
        Assert.That(used, Has.Count.GreaterThan(100), "the scripts were read");
        Assert.That(used.Except(english).Order(), Is.Empty);
    }

    private static HashSet<string> KeysOf(string language) =>
        DictionaryKey().Matches(File.ReadAllText(Path.Combine(ConsoleRoot, "js", "lang", language + ".js"))).Select(match => match.Groups[1].Value).ToHashSet(StringComparer.Ordinal);

    [GeneratedRegex(@"'([a-zA-Z0-9.-]+)':")]
    private static partial Regex DictionaryKey();

    [GeneratedRegex(@"\bt\('([a-zA-Z0-9.-]+)'")]
    private static partial Regex LabelUse();
}
