import Foundation

/// How good one forecaster's next-bar price forecasts were on a held-out span.
///
/// Over n forecasts F_t of the close A_t of bar t, made at bar t−1 whose close is P_t:
/// MAE = mean |F − A|; RMSE = √mean (F − A)²; MAPE = 100·mean |F − A| / A;
/// MASE = MAE / (mean |A_s − A_{s−1}| over the training span), Hyndman's scaling by the in-sample
/// naive error; directional accuracy = share of bars where sign(F − P) = sign(A − P), over bars
/// where both move; its p-value is the two-sided exact binomial test against a coin (p = ½);
/// Theil's U = √Σ((F − A)/P)² / √Σ((A − P)/P)², below 1 when better than the naive forecast.
///
/// A coin is the wrong benchmark for direction when prices drift: a forecaster that calls "up" at
/// every bar of a span where 62% of bars went up is right 62% of the time with no skill at all. The
/// Pesaran–Timmermann test (1992) asks instead whether the calls are right more often than calls
/// made independently of the moves with the same share of ups: with P_x the share of up calls and
/// P_y the share of up moves over the n trials, chance accuracy P* = P_y·P_x + (1 − P_y)(1 − P_x),
/// V(P̂) = P*(1 − P*)/n and V(P*) = (2P_y − 1)²·P_x(1 − P_x)/n + (2P_x − 1)²·P_y(1 − P_y)/n
/// + 4·P_y·P_x(1 − P_y)(1 − P_x)/n²; the statistic (P̂ − P*)/√(V(P̂) − V(P*)) is standard normal
/// under independence (two-sided p-value here). It is undefined when the calls or the moves all go
/// one way.
public struct ForecastScore: Sendable, Equatable, Codable {
    // The price errors are NaN (null in JSON) for a forecaster of direction only.
    public let name: String
    public let count: Int
    public let mae: Double
    public let rmse: Double
    public let mapePercent: Double
    public let mase: Double
    /// Nil for a forecaster that never predicts a move (the naive one).
    public let directionalAccuracyPercent: Double?
    public let directionalPValue: Double?
    public let directionalCount: Int
    /// Share of the directional trials the forecaster called up, and share that went up.
    public let upCallPercent: Double?
    public let upMovePercent: Double?
    /// P*: the accuracy of calls independent of the moves with the same share of ups.
    public let chanceAccuracyPercent: Double?
    /// Pesaran–Timmermann two-sided p-value; nil when the calls or the moves all go one way.
    public let pesaranTimmermannPValue: Double?
    public let theilU: Double

    /// Scores forecasts against actual closes.
    ///
    /// - Parameters:
    ///   - forecasts: F, one per evaluated bar.
    ///   - actual: A, the closes forecast.
    ///   - previous: P, the close each forecast was made at.
    ///   - naiveScale: The in-sample mean absolute one-bar change, MASE's denominator.
    ///   - directionOnly: The forecasts are calls of direction only (above `previous` for up),
    ///     not prices: the price errors (MAE, RMSE, MAPE, MASE, Theil's U) are then NaN.
    public init(name: String, forecasts: [Double], actual: [Double], previous: [Double], naiveScale: Double, directionOnly: Bool = false) {
        precondition(forecasts.count == actual.count && actual.count == previous.count && !actual.isEmpty,
                     "forecasts, actual and previous closes must be non-empty and of equal length")
        self.name = name
        count = actual.count
        if directionOnly {
            (mae, rmse, mapePercent, mase, theilU) = (.nan, .nan, .nan, .nan, .nan)
        } else {
            let errors = zip(forecasts, actual).map { $0 - $1 }
            mae = errors.reduce(0) { $0 + abs($1) } / Double(count)
            // Scaled by the largest error, so that squares of prices quoted in tiny units do not
            // underflow to zero (nor huge ones overflow).
            let largest = errors.reduce(0) { max($0, abs($1)) }
            rmse = largest > 0 && largest.isFinite
                ? largest * (errors.reduce(0) { $0 + ($1 / largest) * ($1 / largest) } / Double(count)).squareRoot()
                : (errors.reduce(0) { $0 + $1 * $1 } / Double(count)).squareRoot()
            mapePercent = 100 * zip(errors, actual).reduce(0) { $0 + abs($1.0) / $1.1 } / Double(count)
            mase = mae / naiveScale
            let numerator = (0..<count).reduce(0.0) { $0 + pow((forecasts[$1] - actual[$1]) / previous[$1], 2) }
            let denominator = (0..<count).reduce(0.0) { $0 + pow((actual[$1] - previous[$1]) / previous[$1], 2) }
            theilU = denominator > 0 ? (numerator / denominator).squareRoot() : .nan
        }
        var hits = 0, trials = 0, upCalls = 0, upMoves = 0
        for i in 0..<count {
            let predicted = forecasts[i] - previous[i], moved = actual[i] - previous[i]
            guard predicted != 0, moved != 0, predicted.isFinite else { continue }
            trials += 1
            if (predicted > 0) == (moved > 0) { hits += 1 }
            if predicted > 0 { upCalls += 1 }
            if moved > 0 { upMoves += 1 }
        }
        directionalCount = trials
        directionalAccuracyPercent = trials > 0 ? 100 * Double(hits) / Double(trials) : nil
        directionalPValue = trials > 0 ? Self.binomialTwoSidedPValue(successes: hits, trials: trials) : nil
        if trials > 0 {
            let n = Double(trials), px = Double(upCalls) / n, py = Double(upMoves) / n
            let chance = py * px + (1 - py) * (1 - px)
            upCallPercent = 100 * px
            upMovePercent = 100 * py
            chanceAccuracyPercent = 100 * chance
            let variance = chance * (1 - chance) / n
            let chanceVariance = (2 * py - 1) * (2 * py - 1) * px * (1 - px) / n + (2 * px - 1) * (2 * px - 1) * py * (1 - py) / n
                + 4 * py * px * (1 - py) * (1 - px) / (n * n)
            let statistic = (Double(hits) / n - chance) / (variance - chanceVariance).squareRoot()
            pesaranTimmermannPValue = upCalls > 0 && upCalls < trials && upMoves > 0 && upMoves < trials && statistic.isFinite
                ? erfc(abs(statistic) / 2.0.squareRoot()) : nil
        } else {
            (upCallPercent, upMovePercent, chanceAccuracyPercent, pesaranTimmermannPValue) = (nil, nil, nil, nil)
        }
    }

    /// P(|X − n/2| ≥ |k − n/2|) for X ~ Binomial(n, ½), summed exactly in log space.
    static func binomialTwoSidedPValue(successes k: Int, trials n: Int) -> Double {
        let distance = abs(Double(k) - Double(n) / 2)
        var total = 0.0
        for i in 0...n where abs(Double(i) - Double(n) / 2) >= distance - 1e-9 {
            total += exp(lgamma(Double(n + 1)) - lgamma(Double(i + 1)) - lgamma(Double(n - i + 1)) - Double(n) * log(2))
        }
        return min(1, total)
    }
}

/// Whether a model's forecasts mostly repeat the last price: the classic failure of a price model
/// that learned persistence and nothing else, whose forecast curve looks like the actual one
/// shifted by a bar.
///
/// - `moveRatio` = mean |F − P| / mean |A − P|: the size of the predicted moves next to the real ones.
/// - `returnCorrelation` = corr(F/P − 1, A/P − 1): skill on the moves themselves.
/// - `lagCorrelation` = corr(F, P) and `targetCorrelation` = corr(F, A), on price levels: a lagging
///   forecast tracks the last close more closely than the close it forecasts.
///
/// Flagged when the predicted moves are under a quarter of the real ones or over four times their
/// size, when some forecasts are not prices (not finite, or not above zero), when it predicts the
/// same move at every bar (no return correlation can be measured), or when the forecast has no
/// skill on moves (return correlation ≤ 0) and tracks the last close more than the target.
public struct LagDiagnostic: Sendable, Equatable, Codable {
    public let moveRatio: Double
    public let returnCorrelation: Double
    public let lagCorrelation: Double
    public let targetCorrelation: Double
    public let flagged: Bool
    public let explanation: String

    /// A correlation to three decimals; one that rounds to zero is "0.000", whatever its sign.
    static func fixed(_ value: Double) -> String {
        let text = String(format: "%.3f", value)
        return text == "-0.000" ? "0.000" : text
    }

    public init(forecasts: [Double], actual: [Double], previous: [Double]) {
        let predictedMoves = zip(forecasts, previous).reduce(0) { $0 + abs($1.0 - $1.1) }
        let actualMoves = zip(actual, previous).reduce(0) { $0 + abs($1.0 - $1.1) }
        moveRatio = actualMoves > 0 ? predictedMoves / actualMoves : .nan
        returnCorrelation = Self.correlation(zip(forecasts, previous).map { $0 / $1 - 1 }, zip(actual, previous).map { $0 / $1 - 1 })
        lagCorrelation = Self.correlation(forecasts, previous)
        targetCorrelation = Self.correlation(forecasts, actual)
        let percent = moveRatio < 1e6 ? String(format: "%.0f", moveRatio * 100) : String(format: "%.3g", moveRatio * 100)
        let unusable = forecasts.filter { !$0.isFinite || $0 <= 0 }.count
        if unusable > 0 {
            flagged = true
            explanation = "gave \(unusable) of \(forecasts.count) forecasts that are not prices (not finite, or not above zero): a diverged model, or a next-close model extrapolating beyond the prices it was trained on; its scores mean nothing"
        } else if !(actualMoves > 0) {
            flagged = false
            explanation = "cannot be checked: the closes never moved over the evaluated span"
        } else if moveRatio > 4 {
            flagged = true
            explanation = "overshoots: its predicted moves are \(percent)% the size of the real ones"
        } else if moveRatio < 0.25 {
            flagged = true
            explanation = "mostly repeats the last close: its predicted moves are \(percent)% the size of the real ones"
        } else if !returnCorrelation.isFinite {
            flagged = true
            explanation = "predicts the same move at every bar (\(percent)% the size of the real ones on average): no skill on moves can be measured"
        } else if !(returnCorrelation > 0) && lagCorrelation > targetCorrelation {
            flagged = true
            explanation = "lags: no skill on moves (return correlation \(Self.fixed(returnCorrelation))) and it tracks the last close more closely than the close it forecasts"
        } else {
            flagged = false
            explanation = "moves on its own: predicted moves \(percent)% the size of the real ones, return correlation \(Self.fixed(returnCorrelation))"
        }
    }

    /// For a model that forecasts no price (a direction model): nothing to check.
    public init(notApplicable reason: String) {
        (moveRatio, returnCorrelation, lagCorrelation, targetCorrelation) = (.nan, .nan, .nan, .nan)
        flagged = false
        explanation = reason
    }

    static func correlation(_ x: [Double], _ y: [Double]) -> Double {
        guard let x0 = x.first, let y0 = y.first else { return .nan }
        let n = Double(x.count)
        // Means summed relative to the first value: a constant series gets exactly its value, no
        // rounding noise to correlate.
        let mx = x0 + x.reduce(0) { $0 + ($1 - x0) } / n, my = y0 + y.reduce(0) { $0 + ($1 - y0) } / n
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for (a, b) in zip(x, y) {
            sxy += (a - mx) * (b - my)
            sxx += (a - mx) * (a - mx)
            syy += (b - my) * (b - my)
        }
        // Clamped: rounding can carry a perfect correlation a few ulps past ±1.
        return sxx > 0 && syy > 0 ? min(1, max(-1, sxy / (sxx * syy).squareRoot())) : .nan
    }
}

/// How good a direction model's probabilities of an up move were on a held-out span, next to the
/// base rate b: the share of up moves among the model's training targets, with one up and one
/// down added (Laplace), the forecast a model with no skill would give at every bar.
///
/// With p_t the model's probability that bar t closes above bar t−1 and y_t 1 when it did (0 when
/// it closed lower or unchanged, as the training target counts it): Brier score = mean (p − y)²,
/// log loss = −mean [y·ln p + (1 − y)·ln(1 − p)] (p clamped to [10⁻¹⁵, 1 − 10⁻¹⁵]), each also for
/// the constant base rate; the Brier skill score 1 − Brier / Brier(base rate) is above 0 when the
/// model beats it (Murphy, 1973).
public struct ProbabilityScore: Sendable, Equatable, Codable {
    public let count: Int
    public let brier: Double
    public let baseRateBrier: Double
    public let brierSkill: Double
    public let logLoss: Double
    public let baseRateLogLoss: Double
    /// The base rate, in percent.
    public let baseRatePercent: Double
    /// The training targets it was counted over; nil when a checkpoint did not record them.
    public let baseRateBars: Int?
    /// Whether the base rate is the model's own (recorded at training), rather than counted on the
    /// evaluated series' training span for a checkpoint that did not record it.
    public let baseRateFromModel: Bool
    /// Share of the evaluated bars that closed higher, in percent (unchanged closes count as not
    /// up, as in training; `ForecastScore`'s up-move share counts only bars that moved).
    public let upSharePercent: Double

    public init(probabilities: [Double], ups: [Bool], baseRate: Double, baseRateBars: Int? = nil, baseRateFromModel: Bool = true) {
        precondition(probabilities.count == ups.count && !ups.isEmpty, "probabilities and outcomes must be non-empty and of equal length")
        let bars = ups.indices, n = Double(ups.count)
        func meanSquare(_ p: (Int) -> Double) -> Double {
            bars.reduce(0) { sum, i in let e = p(i) - (ups[i] ? 1 : 0); return sum + e * e } / n
        }
        func meanLogLoss(_ p: (Int) -> Double) -> Double {
            -bars.reduce(0) { sum, i in
                let q = min(max(p(i), 1e-15), 1 - 1e-15)
                return sum + (ups[i] ? log(q) : log(1 - q))
            } / n
        }
        brier = meanSquare { probabilities[$0] }
        baseRateBrier = meanSquare { _ in baseRate }
        brierSkill = baseRateBrier > 0 ? 1 - brier / baseRateBrier : .nan
        logLoss = meanLogLoss { probabilities[$0] }
        baseRateLogLoss = meanLogLoss { _ in baseRate }
        baseRatePercent = 100 * baseRate
        upSharePercent = 100 * Double(ups.filter { $0 }.count) / n
        (self.baseRateBars, self.baseRateFromModel) = (baseRateBars, baseRateFromModel)
        count = ups.count
    }
}

/// Whether one forecaster's absolute errors are smaller than another's by more than luck explains:
/// the Diebold–Mariano test (1995) on the loss differential d_t = |e1_t| − |e2_t| of one-step
/// forecasts, with Harvey, Leybourne and Newbold's small-sample correction (1997).
///
/// With d̄ the mean of d over n bars and γ₀ = (1/n)·Σ(d_t − d̄)², DM = d̄ / √(γ₀ / n); for one-step
/// forecasts the correction multiplies it by √((n − 1) / n) and reads it against Student's t with
/// n − 1 degrees of freedom (two-sided p-value). Negative statistics favour the first forecaster.
public struct ErrorComparison: Sendable, Equatable, Codable {
    public let count: Int
    /// mean |e1| − mean |e2|.
    public let meanDifference: Double
    /// The corrected statistic; nil when d never varies (or n < 2).
    public let statistic: Double?
    public let pValue: Double?

    public init(errors first: [Double], against second: [Double]) {
        precondition(first.count == second.count, "the two forecasters must be scored on the same bars")
        count = first.count
        let d = zip(first, second).map { abs($0) - abs($1) }
        let n = Double(count)
        let mean = count > 0 ? d.reduce(0, +) / n : .nan
        meanDifference = mean
        let variance = count > 0 ? d.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n : 0
        guard count >= 2, variance > 0, variance.isFinite else {
            (statistic, pValue) = (nil, nil)
            return
        }
        let corrected = mean / (variance / n).squareRoot() * ((n - 1) / n).squareRoot()
        statistic = corrected
        pValue = Self.studentTwoSidedPValue(corrected, degreesOfFreedom: n - 1)
    }

    /// P(|T| ≥ |t|) for Student's t with ν degrees of freedom: I_{ν/(ν+t²)}(ν/2, 1/2).
    static func studentTwoSidedPValue(_ t: Double, degreesOfFreedom nu: Double) -> Double {
        regularizedIncompleteBeta(nu / (nu + t * t), a: nu / 2, b: 0.5)
    }

    /// I_x(a, b), by the continued fraction of the incomplete beta function (modified Lentz), on
    /// whichever side of the mean it converges fast, using I_x(a, b) = 1 − I_{1−x}(b, a).
    static func regularizedIncompleteBeta(_ x: Double, a: Double, b: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let logGammas: Double = lgamma(a + b) - lgamma(a) - lgamma(b)
        let logFront: Double = logGammas + a * log(x) + b * log(1 - x)
        if x > (a + 1) / (a + b + 2) { return 1 - regularizedIncompleteBeta(1 - x, a: b, b: a) }
        let tiny = 1e-300
        var c = 1.0, d = 1 - (a + b) * x / (a + 1)
        d = 1 / (abs(d) < tiny ? tiny : d)
        var fraction = d
        for m in 1...500 {
            let m = Double(m)
            // Even step, then odd step, of the continued fraction's coefficients.
            let even: Double = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
            let odd: Double = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
            for numerator in [even, odd] {
                d = 1 + numerator * d
                d = 1 / (abs(d) < tiny ? tiny : d)
                c = 1 + numerator / c
                if abs(c) < tiny { c = tiny }
                fraction *= d * c
            }
            if abs(d * c - 1) < 1e-15 { break }
        }
        return exp(logFront) * fraction / a
    }
}
