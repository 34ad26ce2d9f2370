using Platform.Controller.Api;
using Platform.Controller.Inventory;

namespace Platform.Tests.Unit.Controller;

public sealed class ApiRequestTests
{
    [Test]
    public void Every_problem_is_reported_at_once()
    {
        var request = ApiRequest.FromValues([new("instance_name", "a<b"), new("cpu", "x"), new("memory", "99999999999")]);
        request.Text("instance_name", TextRule.Name, required: true);
        request.Id("image_id", ResourceIds.Image);
        request.Integer("cpu", 1, 64, required: true);
        request.Integer("memory", 64, 1_048_576, required: true);
        Assert.That(request.Errors.Select(e => e.Field), Is.EqualTo(new[] { "instance_name", "image_id", "cpu", "memory" }));
        Assert.That(request.ValidationError.Code, Is.EqualTo(ApiErrorCode.ValidationFailed));
    }

    [Test]
    public void Form_strings_are_read_as_numbers_and_booleans()
    {
        var request = ApiRequest.FromValues([new("cpu", "4"), new("del_file", "true"), new("force", "0")]);
        Assert.That(request.Integer("cpu", 1, 64), Is.EqualTo(4));
        Assert.That(request.Boolean("del_file"), Is.True);
        Assert.That(request.Boolean("force"), Is.False);
        Assert.That(request.IsValid, Is.True);
    }

    [TestCase("-4")]
    [TestCase("4.5")]
    [TestCase(" 4")]
    [TestCase("0x10")]
    public void Signs_fractions_padding_and_hex_are_not_integers(string value)
    {
        var request = ApiRequest.FromValues([new("cpu", value)]);
        Assert.That(request.Integer("cpu", 1, 64), Is.Null);
        Assert.That(request.Errors.Single().Field, Is.EqualTo("cpu"));
    }

    [Test]
    public void Id_lists_accept_comma_separated_form_values_and_refuse_duplicates()
    {
        var ok = ApiRequest.FromValues([new("volume_ids", "vol-0000000a, vol-0000000b")]);
        Assert.That(ok.Ids("volume_ids", ResourceIds.Volume, 25), Is.EqualTo(new[] { "vol-0000000a", "vol-0000000b" }));
        var twice = ApiRequest.FromValues([new("volume_ids", "vol-0000000a,vol-0000000a")]);
        Assert.That(twice.Ids("volume_ids", ResourceIds.Volume, 25), Is.Empty);
        Assert.That(twice.Errors.Single().Message, Does.Contain("twice"));
    }

    [Test]
    public void Paging_defaults_and_bounds()
    {
        var none = ApiRequest.FromValues([]);
        Assert.That(none.Paging(), Is.EqualTo(new Paging(1, Paging.DefaultPageSize)));
        var bad = ApiRequest.FromValues([new("page_num", "0"), new("page_size", "1001")]);
        bad.Paging();
        Assert.That(bad.Errors.Select(e => e.Field), Is.EqualTo(new[] { "page_num", "page_size" }));
        Assert.That(new Paging(3, 20).Offset, Is.EqualTo(40));
    }

    [TestCase("web-01")]
    [TestCase("数据库 主机")]
    [TestCase("a.b:c(d)@e+f_g")]
    public void Names_of_letters_digits_and_tame_punctuation_pass(string name) =>
        Assert.That(TextRule.Name.Check(name), Is.Null);

    [TestCase("")]
    [TestCase(" padded")]
    [TestCase("a;b")]
    [TestCase("$(id)")]
    [TestCase("`id`")]
    [TestCase("<b>")]
    [TestCase("a'b")]
    [TestCase("a\"b")]
    [TestCase("a|b")]
    [TestCase("a&b")]
    [TestCase("a/b")]
    [TestCase("a\nb")]
    public void Names_with_markup_shell_or_path_characters_are_refused(string name) =>
        Assert.That(TextRule.Name.Check(name), Is.Not.Null);

    [Test]
    public void Descriptions_take_newlines_but_not_control_characters()
    {
        Assert.That(TextRule.Description.Check("line one\nline two\ttabbed"), Is.Null);
        Assert.That(TextRule.Description.Check("bell\u0007"), Does.Contain("control"));
        Assert.That(TextRule.Description.Check(new string('x', 1025)), Does.Contain("at most"));
    }

    [Test]
    public void Resource_ids_are_prefix_dash_eight_lowercase_hex()
    {
        var id = ResourceIds.New(ResourceIds.Instance);
        Assert.That(ResourceIds.IsValid(ResourceIds.Instance, id), Is.True, id);
        Assert.That(ResourceIds.IsValid(ResourceIds.Instance, "i-0A1B2C3D"), Is.False);
        Assert.That(ResourceIds.IsValid(ResourceIds.Image, "ami-0a1b2c3"), Is.False);
        Assert.That(ResourceIds.IsValid(ResourceIds.Image, "ami_0a1b2c3d"), Is.False);
        Assert.That(ResourceIds.IsValid(ResourceIds.Volume, "ami-0a1b2c3d"), Is.False);
    }

    [Test]
    public void Like_patterns_take_the_users_wildcards_literally()
    {
        Assert.That(SqlPatterns.Contains(null), Is.Null);
        Assert.That(SqlPatterns.Contains(""), Is.Null);
        Assert.That(SqlPatterns.Contains("Web_1%"), Is.EqualTo(@"%web\_1\%%"));
        Assert.That(SqlPatterns.Contains(@"a\b"), Is.EqualTo(@"%a\\b%"));
    }

    [Test]
    public void Embedded_migrations_are_numbered_uniquely_and_in_order()
    {
        var migrations = MigrationRunner.EmbeddedMigrations();
        Assert.That(migrations, Is.Not.Empty);
        Assert.That(migrations.Select(m => m.Version), Is.Ordered.And.Unique);
        Assert.That(migrations[0].Sql, Does.Contain("CREATE TABLE instances"));
    }
}
