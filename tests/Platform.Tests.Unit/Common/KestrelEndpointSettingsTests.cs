using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Platform.Common.Hosting;

namespace Platform.Tests.Unit.Common;

/// <summary>Kestrel:Endpoints checked when the host is built, each problem naming its key.</summary>
public class KestrelEndpointSettingsTests
{
    [TestCase("http://127.0.0.1:17050")]
    [TestCase("https://0.0.0.0:17050")]
    [TestCase("http://*:8080")]
    [TestCase("http://+:8080")]
    [TestCase("http://localhost:8080")]
    [TestCase("https://[::]:443")]
    [TestCase("https://[::1]:443")]
    [TestCase("HTTP://127.0.0.1")]
    [TestCase("https://agent.example.com:17050")]
    [TestCase("http://unix:/run/platform/agent.sock")]
    public void An_address_kestrel_listens_on_passes(string url) =>
        Assert.That(Problems(("Kestrel:Endpoints:Grpc:Url", url), ("Kestrel:Endpoints:Grpc:Protocols", "Http2")), Is.Empty);

    [TestCase("127.0.0.1:17050")]
    [TestCase("tcp://127.0.0.1:17050")]
    [TestCase("http://127.0.0.1:notaport")]
    [TestCase("http://127.0.0.1:70000")]
    [TestCase("http://127.0.0.1:17050/grpc")]
    [TestCase("http://127.0.0.1:17050?x=1")]
    [TestCase("http://user@127.0.0.1:17050")]
    [TestCase("http://")]
    [TestCase("")]
    public void A_malformed_url_is_refused_naming_its_key(string url) =>
        Assert.That(Problems(("Kestrel:Endpoints:Grpc:Url", url)),
            Is.EqualTo(new[] { $"Kestrel:Endpoints:Grpc:Url is '{url}', not an address Kestrel can listen on: http:// or https://, a host (an IP address, localhost, * or +), an optional port, no path" }));

    [Test]
    public void An_endpoint_without_a_url_is_refused()
    {
        // What a misspelt endpoint name in a variable gives: PLATFORM_Kestrel__Endpoints__Grcp__Certificate__Path.
        var problems = Problems(("Kestrel:Endpoints:Grcp:Certificate:Path", "/etc/platform/pki/agent.crt"));
        Assert.That(problems, Is.EqualTo(new[] { "Kestrel:Endpoints:Grcp:Url is missing: every endpoint needs one (is the endpoint's name misspelt?)" }));
    }

    [TestCase("Http1")]
    [TestCase("Http2")]
    [TestCase("http1andhttp2")]
    [TestCase("Http1AndHttp2AndHttp3")]
    [TestCase("Http3")]
    public void Kestrels_protocol_names_pass(string protocols) =>
        Assert.That(Problems(("Kestrel:Endpoints:Rest:Url", "http://127.0.0.1:1"), ("Kestrel:Endpoints:Rest:Protocols", protocols)), Is.Empty);

    [TestCase("Http7")]
    [TestCase("None")]
    [TestCase("2")]
    [TestCase("Http1, Http2")]
    public void Other_protocols_are_refused_naming_the_key(string protocols)
    {
        var problems = Problems(("Kestrel:Endpoints:Rest:Url", "http://127.0.0.1:1"), ("Kestrel:Endpoints:Rest:Protocols", protocols));
        Assert.That(problems, Is.EqualTo(new[] { $"Kestrel:Endpoints:Rest:Protocols is '{protocols}', not one of Http1, Http2, Http1AndHttp2, Http3, Http1AndHttp2AndHttp3" }));
    }

    [Test]
    public void Every_setting_kestrel_reads_of_an_endpoint_passes()
    {
        var problems = Problems(
            ("Kestrel:Endpoints:Rest:Url", "https://0.0.0.0:17080"),
            ("Kestrel:Endpoints:Rest:Protocols", "Http1AndHttp2"),
            ("Kestrel:Endpoints:Rest:ClientCertificateMode", "AllowCertificate"),
            ("Kestrel:Endpoints:Rest:SslProtocols:0", "Tls12"),
            ("Kestrel:Endpoints:Rest:SslProtocols:1", "Tls13"),
            ("Kestrel:Endpoints:Rest:Certificate:Path", "/etc/platform/pki/controller.crt"),
            ("Kestrel:Endpoints:Rest:Certificate:KeyPath", "/etc/platform/pki/controller.key"),
            ("Kestrel:Endpoints:Rest:Certificate:Password", "secret"),
            ("Kestrel:Endpoints:Store:Url", "https://0.0.0.0:17443"),
            ("Kestrel:Endpoints:Store:Certificate:Subject", "controller"),
            ("Kestrel:Endpoints:Store:Certificate:Store", "My"),
            ("Kestrel:Endpoints:Store:Certificate:Location", "LocalMachine"),
            ("Kestrel:Endpoints:Store:Certificate:AllowInvalid", "false"),
            ("Kestrel:Endpoints:Store:Sni:a.example.com:Protocols", "Http1"),
            ("Kestrel:Endpoints:Store:Sni:a.example.com:Certificate:Path", "/etc/a.crt"),
            ("Kestrel:Endpoints:Store:Sni:a.example.com:ClientCertificateMode", "NoCertificate"),
            ("Kestrel:Endpoints:Store:Sni:a.example.com:SslProtocols:0", "Tls13"));
        Assert.That(problems, Is.Empty);
    }

    [Test]
    public void Unknown_keys_and_names_are_refused_each_naming_its_key()
    {
        var problems = Problems(
            ("Kestrel:Endpoints:Rest:Url", "https://127.0.0.1:17080"),
            ("Kestrel:Endpoints:Rest:Protocol", "Http1"),
            ("Kestrel:Endpoints:Rest:Certificate:Pth", "/etc/platform/pki/controller.crt"),
            ("Kestrel:Endpoints:Rest:ClientCertificateMode", "Require"),
            ("Kestrel:Endpoints:Rest:SslProtocols", "Tls12"),
            ("Kestrel:Endpoints:Rest:Sni:a.example.com:Url", "https://a.example.com"),
            ("Kestrel:Endpoints:Rest:Sni:a.example.com:SslProtocols:0", "Tls99"));
        Assert.That(problems, Is.EquivalentTo(new[]
        {
            "Kestrel:Endpoints:Rest:Protocol is not a setting of a Kestrel endpoint (known: Url, Protocols, Certificate, ClientCertificateMode, SslProtocols, Sni)",
            "Kestrel:Endpoints:Rest:Certificate:Pth is not a setting of a Kestrel certificate (known: Path, KeyPath, Password, Subject, Store, Location, AllowInvalid)",
            "Kestrel:Endpoints:Rest:ClientCertificateMode is 'Require', not one of NoCertificate, AllowCertificate, RequireCertificate, DelayCertificate",
            "Kestrel:Endpoints:Rest:SslProtocols is a list (\"SslProtocols\": [\"Tls12\", \"Tls13\"]; as variables Kestrel:Endpoints:Rest:SslProtocols:0, :1, ...), not 'Tls12'",
            "Kestrel:Endpoints:Rest:Sni:a.example.com:Url is not a setting of a Kestrel endpoint (known: Protocols, Certificate, ClientCertificateMode, SslProtocols)",
            "Kestrel:Endpoints:Rest:Sni:a.example.com:SslProtocols:0 is 'Tls99', not one of None, Ssl2, Ssl3, Tls, Default, Tls11, Tls12, Tls13",
        }));
    }

    [TestCase("Kestrel:Endpoints:Grpc:Certificate:Path", "/etc/platform/pki/agent.crt", "Kestrel:Endpoints:Grpc:Certificate")]
    [TestCase("Kestrel:Endpoints:Grpc:Certificate:Subject", "agent", "Kestrel:Endpoints:Grpc:Certificate")]
    [TestCase("Kestrel:Endpoints:Grpc:ClientCertificateMode", "RequireCertificate", "Kestrel:Endpoints:Grpc:ClientCertificateMode")]
    [TestCase("Kestrel:Endpoints:Grpc:SslProtocols:0", "Tls13", "Kestrel:Endpoints:Grpc:SslProtocols")]
    [TestCase("Kestrel:Endpoints:Grpc:Sni:a.example.com:Protocols", "Http2", "Kestrel:Endpoints:Grpc:Sni")]
    public void An_https_only_setting_on_a_plain_http_endpoint_is_refused(string key, string value, string named)
    {
        Assert.Multiple(() =>
        {
            Assert.That(Problems(("Kestrel:Endpoints:Grpc:Url", "http://127.0.0.1:17050"), (key, value)), Is.EqualTo(new[]
            {
                $"{named} is set, but Kestrel:Endpoints:Grpc:Url is 'http://127.0.0.1:17050': Certificate, ClientCertificateMode, SslProtocols and Sni need an https:// endpoint",
            }));
            Assert.That(Problems(("Kestrel:Endpoints:Grpc:Url", "https://127.0.0.1:17050"), (key, value)), Is.Empty, "on https:// it is what it is for");
        });
    }

    [Test]
    public void Validate_throws_an_options_failure_with_every_problem()
    {
        var configuration = Configuration(("Kestrel:Endpoints:Rest:Url", "nowhere"), ("Kestrel:Endpoints:Grpc:Url", "http://127.0.0.1:1"), ("Kestrel:Endpoints:Grpc:Protocols", "h2"));
        var failure = Assert.Throws<OptionsValidationException>(() => KestrelEndpointSettings.Validate(configuration));
        Assert.That(failure!.Failures.Count(), Is.EqualTo(2));
    }

    [TestCase("http://127.0.0.1:1", true)]
    [TestCase("http://127.3.4.5:1", true)]
    [TestCase("http://localhost:1", true)]
    [TestCase("http://[::1]:1", true)]
    [TestCase("http://unix:/run/agent.sock", true)]
    [TestCase("http://0.0.0.0:1", false)]
    [TestCase("http://*:1", false)]
    [TestCase("http://+:1", false)]
    [TestCase("http://[::]:1", false)]
    [TestCase("http://10.0.0.5:1", false)]
    [TestCase("http://agent.example.com:1", false)]
    [TestCase("not a url", false)]
    public void Loopback_is_this_machine_only(string url, bool loopback) =>
        Assert.That(KestrelEndpointSettings.ParseUrl(url) is { IsLoopback: true }, Is.EqualTo(loopback));

    [TestCase("agent/Platform.Agent/appsettings.json", "packaging/deb/platform-agent/agent.json")]
    [TestCase("controller/Platform.Controller/appsettings.json", "packaging/deb/platform-controller/controller.json")]
    public void The_packaged_configurations_pass(string defaults, string packaged)
    {
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(StartupValidation.Repository, defaults), optional: false)
            .AddJsonFile(Path.Combine(StartupValidation.Repository, packaged), optional: false)
            .Build();
        Assert.That(KestrelEndpointSettings.Problems(configuration), Is.Empty);
    }

    private static IReadOnlyList<string> Problems(params (string Key, string Value)[] settings) =>
        KestrelEndpointSettings.Problems(Configuration(settings));

    private static IConfiguration Configuration(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build();
}
