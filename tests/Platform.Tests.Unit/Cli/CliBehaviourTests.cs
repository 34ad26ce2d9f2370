using System.Text.Json;
using Grpc.Core;
using Platform.Cli;
using Platform.Cli.Configuration;
using Platform.Cli.Output;
using Platform.Cli.Rest;
using Spectre.Console;

namespace Platform.Tests.Unit.Cli;

/// <summary>platformctl's pure parts: exit codes per error class, envelopes, table output, settings precedence, field values.</summary>
public class CliBehaviourTests
{
    [TestCase(40001, (int)ExitCode.BadInput)]
    [TestCase(40000, (int)ExitCode.BadInput)]
    [TestCase(40500, (int)ExitCode.BadInput)]
    [TestCase(41301, (int)ExitCode.BadInput)]
    [TestCase(42200, (int)ExitCode.BadInput)]
    [TestCase(40402, (int)ExitCode.NotFound)]
    [TestCase(40400, (int)ExitCode.NotFound)]
    [TestCase(40902, (int)ExitCode.Conflict)]
    [TestCase(40916, (int)ExitCode.Conflict)]
    [TestCase(50302, (int)ExitCode.Unavailable)]
    [TestCase(50000, (int)ExitCode.Unavailable)]
    [TestCase(50700, (int)ExitCode.Unavailable)]
    [TestCase(40100, (int)ExitCode.Denied)]
    [TestCase(40101, (int)ExitCode.Denied)]
    [TestCase(40300, (int)ExitCode.Denied)]
    [TestCase(42900, (int)ExitCode.Denied)]
    [TestCase(41800, (int)ExitCode.Other)]
    public void Envelope_codes_map_to_the_exit_code_of_their_class(int code, int expected) =>
        Assert.That((int)ExitCodes.ForApiCode(code), Is.EqualTo(expected));

    [TestCase(StatusCode.InvalidArgument, (int)ExitCode.BadInput)]
    [TestCase(StatusCode.NotFound, (int)ExitCode.NotFound)]
    [TestCase(StatusCode.FailedPrecondition, (int)ExitCode.Conflict)]
    [TestCase(StatusCode.AlreadyExists, (int)ExitCode.Conflict)]
    [TestCase(StatusCode.Unavailable, (int)ExitCode.Unavailable)]
    [TestCase(StatusCode.DeadlineExceeded, (int)ExitCode.Unavailable)]
    [TestCase(StatusCode.PermissionDenied, (int)ExitCode.Denied)]
    [TestCase(StatusCode.Unauthenticated, (int)ExitCode.Denied)]
    [TestCase(StatusCode.Cancelled, (int)ExitCode.Other)]
    public void Grpc_statuses_map_to_the_exit_code_of_their_class(StatusCode status, int expected) =>
        Assert.That((int)ExitCodes.ForGrpcStatus(status), Is.EqualTo(expected));

    [Test]
    public void A_failed_envelope_gives_the_servers_message_and_the_fields_it_names()
    {
        var response = ApiResponse.Parse(400, """{"code":40001,"message":"validation failed","data":{"errors":[{"field":"volume_size","message":"must be between 1 and 65536"}]}}""");

        Assert.That(response.IsSuccess, Is.False);
        Assert.That(response.Exit, Is.EqualTo(ExitCode.BadInput));
        Assert.That(response.FailureText, Is.EqualTo($"validation failed (code 40001){Environment.NewLine}  volume_size: must be between 1 and 65536"));
    }

    [Test]
    public void Fields_the_servers_message_already_names_are_not_repeated()
    {
        var response = ApiResponse.Parse(400, """{"code":40001,"message":"volume_size: must be between 1 and 16384","data":{"errors":[{"field":"volume_size","message":"must be between 1 and 16384"}]}}""");

        Assert.That(response.FailureText, Is.EqualTo("volume_size: must be between 1 and 16384 (code 40001)"));
    }

    [Test]
    public void A_body_that_is_no_envelope_fails_by_its_http_status()
    {
        var response = ApiResponse.Parse(502, "<html>bad gateway</html>");

        Assert.That((response.IsSuccess, response.Exit, response.FailureText), Is.EqualTo((false, ExitCode.Unavailable, "HTTP 502: <html>bad gateway</html>")));
    }

    [Test]
    public void The_driver_centers_result_envelope_and_a_started_task_are_read()
    {
        var response = ApiResponse.Parse(200, """{"code":0,"message":"ok","result":{"mount_status":2,"task_id":"t-1"}}""");

        Assert.That((response.IsSuccess, response.StartedTaskId), Is.EqualTo((true, "t-1")));
    }

    [Test]
    public void A_list_is_a_table_with_a_column_per_field_and_its_paging_below()
    {
        using var data = JsonDocument.Parse("""
            {"total": 2, "page_num": 1, "page_size": 20, "items": [
              {"volume_id": "vol-1", "volume_size": 1, "instance_id": null},
              {"volume_id": "vol-2", "volume_size": 2, "instance_id": "i-1", "tags": ["a"]}]}
            """);

        var lines = Rendered(data.RootElement).Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0).ToList();

        Assert.That(lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries), Is.EqualTo(new[] { "VOLUME_ID", "VOLUME_SIZE", "INSTANCE_ID", "TAGS" }));
        Assert.That(lines.Single(l => l.Contains("vol-1")).Split(' ', StringSplitOptions.RemoveEmptyEntries), Is.EqualTo(new[] { "vol-1", "1" }));
        Assert.That(lines.Single(l => l.Contains("vol-2")).Split(' ', StringSplitOptions.RemoveEmptyEntries), Is.EqualTo(new[] { "vol-2", "2", "i-1", "[\"a\"]" }));
        Assert.That(lines[^1], Is.EqualTo("total 2, page_num 1, page_size 20"));
    }

    [Test]
    public void An_object_is_a_table_of_fields_and_json_output_is_the_data_itself()
    {
        using var data = JsonDocument.Parse("""{"volume_id":"vol-1","status":"available"}""");

        var table = Rendered(data.RootElement);
        var json = new StringWriter();
        ResultPrinter.Print(AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(TextWriter.Null) }), json, OutputFormat.Json, data.RootElement);

        Assert.That(table, Does.Match(@"volume_id\s+vol-1").And.Match(@"status\s+available"));
        Assert.That(JsonDocument.Parse(json.ToString()).RootElement.GetProperty("status").GetString(), Is.EqualTo("available"));
    }

    [Test]
    public void Settings_come_from_the_file_then_the_environment_then_the_flags()
    {
        var directory = Directory.CreateTempSubdirectory("platformctl-").FullName;
        try
        {
            var file = Path.Combine(directory, "config.json");
            File.WriteAllText(file, """
                // comments are allowed
                {"endpoint": "http://file:1", "token": "from-file", "ca": "/file/ca.crt", "cert": "/file/admin.crt"}
                """);
            var environment = new Dictionary<string, string?> { ["HOME"] = directory, ["PLATFORMCTL_TOKEN"] = "from-env", ["PLATFORMCTL_CA"] = "/env/ca.crt" };

            var (settings, error) = CliSettings.Load(name => environment.GetValueOrDefault(name), file, new Dictionary<string, string?> { ["ca"] = "/flag/ca.crt" });

            Assert.That(error, Is.Null);
            Assert.That((settings!.Endpoint, settings.Token, settings.CertificateAuthority, settings.Certificate),
                Is.EqualTo(("http://file:1", "from-env", "/flag/ca.crt", "/file/admin.crt")));
            Assert.That(settings.Sources, Does.Contain(file));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Test]
    public void A_bad_configuration_is_refused_with_what_is_wrong()
    {
        var directory = Directory.CreateTempSubdirectory("platformctl-").FullName;
        try
        {
            var file = Path.Combine(directory, "config.json");
            File.WriteAllText(file, """{"endpont": "http://x"}""");
            var none = new Dictionary<string, string?> { ["HOME"] = directory };

            var (_, unknown) = CliSettings.Load(none.GetValueOrDefault, file, new Dictionary<string, string?>());
            var (_, badUrl) = CliSettings.Load(none.GetValueOrDefault, null, new Dictionary<string, string?> { ["endpoint"] = "ftp://x" });
            var (_, missing) = CliSettings.Load(none.GetValueOrDefault, Path.Combine(directory, "nope.json"), new Dictionary<string, string?>());

            Assert.That(unknown, Does.Contain("unknown setting 'endpont'"));
            Assert.That(badUrl, Does.Contain("'ftp://x' is not an http:// or https:// URL"));
            Assert.That(missing, Does.Contain("does not exist"));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Test]
    public void Field_values_are_sent_as_the_json_the_server_reads()
    {
        Assert.That(FieldValues.Convert(new RestField("ids", FieldKind.Numbers, ""), "1, 2,3").Value!.ToJsonString(), Is.EqualTo("[1,2,3]"));
        Assert.That(FieldValues.Convert(new RestField("ids", FieldKind.Texts, ""), "ami-1,ami-2").Value!.ToJsonString(), Is.EqualTo("""["ami-1","ami-2"]"""));
        Assert.That(FieldValues.Convert(new RestField("force", FieldKind.Boolean, ""), "TRUE").Value!.ToJsonString(), Is.EqualTo("true"));
        Assert.That(FieldValues.Convert(new RestField("volume_size", FieldKind.Integer, ""), "ten").Problem, Is.EqualTo("'ten' is not a whole number"));
        Assert.That(ApiClient.QueryString(new Dictionary<string, System.Text.Json.Nodes.JsonNode?>
        {
            ["filter_name"] = "a b", ["del_file"] = true, ["ids"] = new System.Text.Json.Nodes.JsonArray(1, 2), ["page_num"] = 3,
        }), Is.EqualTo("?filter_name=a%20b&del_file=true&ids=%5B1%2C2%5D&page_num=3"));
    }

    [Test]
    public void Every_operation_has_its_own_command_and_route()
    {
        Assert.That(RestCatalogue.All.Select(op => $"{op.Group} {op.Name}"), Is.Unique);
        Assert.That(RestCatalogue.All.Select(op => $"{op.Method} {op.Pattern}"), Is.Unique);
    }

    private static string Rendered(JsonElement data)
    {
        var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors });
        console.Profile.Width = 200;
        ResultPrinter.Print(console, TextWriter.Null, OutputFormat.Table, data);
        return output.ToString();
    }
}
