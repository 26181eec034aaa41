import SibylFeatures
import SibylNeural

/// Everything that defines a forecast model before it sees data.
public struct ForecastSettings: Sendable, Equatable, Codable {
    /// The features, in the compact text form (`returns,rsi:14,fft:64:8`).
    public var featureSpec: String
    /// T, bars per input window.
    public var window: Int
    public var target: ForecastTarget
    public var scaler: FeatureScaler.Kind
    public var cell: RecurrentCell
    public var hiddenSize: Int
    public var layers: Int
    public var dropout: Double
    public var initialization: WeightInitialization
    public var training: TrainingConfiguration
    /// Shares of the valid rows for validation and test; training takes the rest, oldest first.
    public var validationFraction: Double
    public var testFraction: Double
    public var threads: Int

    public init(featureSpec: String = FeaturePipeline.defaultSpecText, window: Int = 64, target: ForecastTarget = .logReturn,
                scaler: FeatureScaler.Kind = .zScore, cell: RecurrentCell = .lstm, hiddenSize: Int = 64, layers: Int = 2,
                dropout: Double = 0, initialization: WeightInitialization = .pytorch,
                training: TrainingConfiguration = TrainingConfiguration(epochs: 30, batchSize: 64, learningRate: 1e-3, patience: 5),
                validationFraction: Double = 0.15, testFraction: Double = 0.15, threads: Int = 1) {
        self.featureSpec = featureSpec
        self.window = window
        self.target = target
        self.scaler = scaler
        self.cell = cell
        self.hiddenSize = hiddenSize
        self.layers = layers
        self.dropout = dropout
        self.initialization = initialization
        self.training = training
        self.validationFraction = validationFraction
        self.testFraction = testFraction
        self.threads = threads
    }
}
