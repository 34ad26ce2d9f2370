namespace Platform.Tests.Integration.Controller.Fuzz;

/// <summary>What a fuzz case may be answered with.</summary>
internal enum Expectation
{
    /// <summary>Bad for this route by construction: a 4xx in the envelope with a non-zero code.</summary>
    Refused,

    /// <summary>Odd but perhaps acceptable: any status below 500; an envelope whenever there is a body.</summary>
    Answered,

    /// <summary>Beyond Kestrel's own hard limits or not HTTP it can parse: its bare status (given), never a 5xx.</summary>
    BareFromKestrel,
}

/// <summary>One generated request and what it must be answered with.</summary>
/// <param name="ExpectedStatus">The one status that is right (Kestrel's bare one, or a limit's in the envelope); null: any the expectation allows.</param>
internal sealed record FuzzCase(string Route, string What, RawRequest Request, Expectation Expect, int? ExpectedStatus = null)
{
    public override string ToString() => $"{Route} [{What}]";
}
