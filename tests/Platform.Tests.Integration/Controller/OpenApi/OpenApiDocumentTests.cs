using System.Text.RegularExpressions;
using Platform.Tests.Integration.Controller.Fuzz;

namespace Platform.Tests.Integration.Controller.OpenApi;

/// <summary>
/// The OpenAPI document the controller serves (/openapi/v1.json) against the controller itself:
/// it is OpenAPI 3.1, has exactly the REST routes of the route table (method and path), answers
/// every operation as it says (an empty request: the status is listed, the body matches its
/// schema), and no handler reads a field its description does not have. The page to browse it
/// is served with its own assets, nothing from another host.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed partial class OpenApiDocumentTests : ControllerTestBase
{
    /// <summary>What the controller logs when a handler reads a field its description does not have (the guard's message).</summary>
    internal const string DriftMarker = "the document is out of date";

    [Test]
    public async Task The_document_is_OpenAPI_3_1_with_exactly_the_routes_of_the_route_table()
    {
        var description = await ServedApiDescription.FetchAsync(Controller.RestUrl);
        Assert.That(description.Document["openapi"]?.GetValue<string>(), Does.StartWith("3.1."));

        var routes = (await ControllerRoutes.ListAsync())
            .Where(r => r.IsFacade && !r.IsFallback)
            .SelectMany(r => r.Methods.Select(m => $"{m} {r.Pattern}"))
            .Order(StringComparer.Ordinal)
            .ToList();
        var described = description.Operations.Select(o => o.ToString()).Order(StringComparer.Ordinal).ToList();
        Assert.That(routes, Is.Not.Empty);
        Assert.Multiple(() =>
        {
            Assert.That(routes.Except(described), Is.Empty, "routes the document does not have");
            Assert.That(described.Except(routes), Is.Empty, "operations the controller does not serve");
        });

        // The seed's GET deletes are off by default (Security:AllowGetDeletes): a change is never a GET.
        Assert.That(described, Does.Contain("POST /api/v1/volume/delete").And.Contain("POST /api/v1/network/delete")
            .And.Not.Contain("GET /api/v1/volume/delete").And.Not.Contain("GET /api/v1/network/delete"));
        var operations = description.Operations;
        Assert.That(operations.Select(o => o.OperationId), Is.Unique.And.All.Not.Empty);
        Assert.That(operations.Where(o => o.Operation["tags"] is not { } tags || tags.AsArray().Count == 0), Is.Empty, "operations without a tag");

        // Request fields: a GET's as query parameters, a POST's as a JSON and a form body of the same fields.
        var create = description.Operation("POST", "/api/v1/volume/create").Operation;
        var json = create["requestBody"]!["content"]!["application/json"]!["schema"]!;
        Assert.That(create["requestBody"]!["content"]!["application/x-www-form-urlencoded"]!["schema"]!.ToJsonString(), Is.EqualTo(json.ToJsonString()));
        Assert.That(json["required"]!.AsArray().Select(n => n!.GetValue<string>()), Is.EquivalentTo(new[] { "volume_name", "volume_size" }));
        Assert.That(json["properties"]!["volume_size"]!["maximum"], Is.Not.Null, "limits from the validation rules");
        var list = description.Operation("GET", "/api/v1/volume/list").Operation;
        Assert.That(list["parameters"]!.AsArray().Select(p => p!["name"]!.GetValue<string>()), Is.EquivalentTo(new[] { "filter_name", "page_num", "page_size" }));
        var upload = description.Operation("POST", "/thor/voi/driver/upload").Operation;
        Assert.That(upload["requestBody"]!["content"]!["multipart/form-data"]!["schema"]!["properties"]!["file"], Is.Not.Null);

        // Every failure status lists its codes; validation failures are 40001 with the field errors.
        var badRequest = create["responses"]!["400"]!["content"]!["application/json"]!["schema"]!.ToJsonString();
        Assert.That(badRequest, Does.Contain("40000").And.Contain("40001"));
    }

    /// <summary>
    /// Each operation asked with no fields at all (a GET without query, anything else with <c>{}</c>):
    /// read-only lists answer, everything with a required field refuses with every violation. Each
    /// answer's status must be listed and its body match; the handlers read only described fields.
    /// </summary>
    [Test]
    public async Task Every_operation_answers_an_empty_request_as_the_document_says()
    {
        var description = await ServedApiDescription.FetchAsync(Controller.RestUrl);
        using var caller = new ApiCaller(Controller.RestUrl, Controller.Token);
        var problems = new List<string>();
        var answered = 0;
        foreach (var operation in description.Operations.Where(o => o.Method != "HEAD"))
        {
            var path = PathParameter().Replace(operation.Path, "no-such-file");
            var answer = operation.Method == "GET"
                ? await caller.SendAsync("GET", path)
                : await caller.SendAsync(operation.Method, path, json: new { });
            if (answer.Status >= 500)
            {
                problems.Add($"{operation}: {answer}");
                continue;
            }
            problems.AddRange(description.Problems(operation.Method, operation.Path, answer.Status, answer.Json));
            answered++;
        }
        Assert.That(answered, Is.GreaterThan(50));
        Assert.That(problems, Is.Empty);
        Assert.That(Controller.Output, Does.Not.Contain(DriftMarker), "a handler read a field its description does not have");
    }

    [Test]
    public async Task The_browsable_page_is_served_with_only_its_own_assets()
    {
        using var http = ApiSignIn.Client(Controller.RestUrl, token: null, TimeSpan.FromSeconds(60));
        using var page = await http.GetAsync("/openapi/index.html");
        var html = await page.Content.ReadAsStringAsync();
        Assert.That((int)page.StatusCode, Is.EqualTo(200), html);
        Assert.That(page.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/html"));

        var assets = AssetReference().Matches(html).Select(m => m.Groups["url"].Value).Distinct().ToList();
        Assert.That(assets, Is.Not.Empty, html);
        Assert.That(assets.Where(a => a.Contains("//", StringComparison.Ordinal) || a.Contains(':', StringComparison.Ordinal)), Is.Empty,
            "assets from another host (the page must work without a network)");
        var texts = new List<string> { html };
        foreach (var asset in assets)
        {
            using var response = await http.GetAsync(new Uri(new Uri(http.BaseAddress!, "/openapi/"), asset));
            Assert.That((int)response.StatusCode, Is.EqualTo(200), asset);
            texts.Add(await response.Content.ReadAsStringAsync());
        }
        // The page loads the controller's own document.
        Assert.That(texts.Any(t => t.Contains("/openapi/v1.json", StringComparison.Ordinal)), Is.True, "the page does not point at /openapi/v1.json");
        Assert.That(string.Join('\n', texts.Skip(1).Where(t => t.Length < 100_000)), Does.Not.Match("(src|href)=\"https?://"));
    }

    [GeneratedRegex(@"\{[^}]+\}")]
    private static partial Regex PathParameter();

    [GeneratedRegex("(?:src|href)=\"(?<url>[^\"#]+)\"")]
    private static partial Regex AssetReference();
}
